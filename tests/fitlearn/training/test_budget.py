"""Low CPU and IO priority for the training thread only (Linux, real syscalls)."""

from __future__ import annotations

import os
import sys
import threading

import psutil
import pytest

from fitlearn.training.budget import LOWEST_NICE, lower_priority


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread priority is Linux"
)
def test_lower_priority_applies_to_the_calling_thread_only():
    seen: dict[str, object] = {}

    def worker() -> None:
        seen["applied"] = lower_priority()
        tid = threading.get_native_id()
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, tid)
        seen["io"] = psutil.Process(tid).ionice().ioclass

    main_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()

    assert seen["applied"] == ["lowest CPU priority", "idle IO priority"]
    assert seen["nice"] == LOWEST_NICE
    assert seen["io"] == psutil.IOPRIO_CLASS_IDLE
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_nice
