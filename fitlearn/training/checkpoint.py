"""Files only this user can read, written so that a crash never leaves half a file.

Checkpoints and model files are written to a temporary file in the same folder,
flushed to disk, then renamed over the old file: a reader sees the old file or
the new one, never a mix, even if power fails mid-write. Folders are created
0700 and files 0600, because weights learnt from a person's heart say something
about that person.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from fitlearn.errors import FitlearnError

logger = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class CheckpointError(FitlearnError):
    """A checkpoint or model file cannot be read."""


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed and make it owner-only."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    path.chmod(PRIVATE_DIR_MODE)
    return path


def atomic_save(payload: dict[str, Any], path: Path) -> None:
    """Write `payload` with `torch.save` to `path`, atomically, mode 0600."""
    private_dir(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(PRIVATE_FILE_MODE)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_dir(path.parent)


def load(path: Path) -> dict[str, Any] | None:
    """The payload at `path`, or None if there is no file.

    Only tensors and plain values are unpickled (`weights_only`), so a planted
    file cannot run code.

    Raises:
        CheckpointError: The file exists but is not a readable payload.
    """
    if not path.exists():
        return None
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{path} is damaged or not a fitlearn file ({exc}). Delete it; the next "
            "training run starts over."
        ) from exc
    if not isinstance(payload, dict):
        raise CheckpointError(f"{path} does not hold a fitlearn payload. Delete it.")
    return payload


def _sync_dir(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk (POSIX).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        logger.debug("Cannot fsync folder %s", folder)
    finally:
        os.close(fd)
