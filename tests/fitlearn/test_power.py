"""Power probing and the charging gate (SCHED-02).

psutil is replaced by a stand-in module object (the documented return shapes of
`sensors_battery()`); sysfs is a real temporary folder laid out like the kernel's
`/sys/class/power_supply`.
"""

from __future__ import annotations

import logging
from collections import namedtuple
from types import SimpleNamespace
from typing import Any

import pytest

from fitlearn.power import (
    ChainedProbe,
    ChargingGate,
    OverrideProbe,
    PowerReading,
    PsutilProbe,
    SysfsProbe,
    default_probe,
)
from tests.power_supply import FakePowerSupply

sbattery = namedtuple("sbattery", ["percent", "secsleft", "power_plugged"])
POWER_TIME_UNKNOWN = -1
POWER_TIME_UNLIMITED = -2


def _psutil_returning(value: object) -> Any:
    return SimpleNamespace(sensors_battery=lambda: value)


# SCHED-02 ------------------------------------------------------------------------

SCHED02_CASES = [
    pytest.param(_psutil_returning(None), False, None, None, id="1-no-battery"),
    pytest.param(
        _psutil_returning(sbattery(80, POWER_TIME_UNKNOWN, None)),
        True,
        None,
        80.0,
        id="2-plug-unknown",
    ),
    pytest.param(
        _psutil_returning(sbattery(55, 5400, False)),
        True,
        False,
        55.0,
        id="3-on-battery",
    ),
    pytest.param(
        _psutil_returning(sbattery(97, POWER_TIME_UNLIMITED, True)),
        True,
        True,
        97.0,
        id="4-plugged",
    ),
    pytest.param(SimpleNamespace(), False, None, None, id="5-unsupported-platform"),
]


@pytest.mark.parametrize(("module", "present", "plugged", "percent"), SCHED02_CASES)
def test_sched02_psutil_probe_is_tri_state_and_never_raises(
    module, present, plugged, percent
):
    reading = PsutilProbe(module).read()

    assert reading is not None
    assert reading.battery_present is present
    assert reading.on_external_power is plugged
    assert reading.battery_percent == percent
    assert reading.source == "psutil"


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        (_psutil_returning(None), True),  # no battery: a mains-powered Pi or desktop
        (_psutil_returning(sbattery(80, POWER_TIME_UNKNOWN, None)), False),
        (_psutil_returning(sbattery(55, 5400, False)), False),
        (_psutil_returning(sbattery(97, POWER_TIME_UNLIMITED, True)), True),
        (SimpleNamespace(), True),
    ],
)
def test_sched02_gate_rule_for_unknown_states(module, allowed):
    decision = ChargingGate().decide(
        PsutilProbe(module).read() or PowerReading(None, None, None, "none", "")
    )

    assert decision.allowed is allowed


def test_sched02_psutil_raising_is_not_fatal():
    def broken():
        raise OSError("ACPI read failed")

    assert PsutilProbe(SimpleNamespace(sensors_battery=broken)).read() is None


def test_sched02_decision_and_reason_logged_once_not_every_tick(caplog):
    gate = ChargingGate()
    no_battery = PsutilProbe(_psutil_returning(None)).read()
    unknown_plug = PsutilProbe(_psutil_returning(sbattery(80, -1, None))).read()
    assert no_battery is not None
    assert unknown_plug is not None
    caplog.set_level(logging.INFO, logger="fitlearn.power")

    for _ in range(5):
        gate.decide(no_battery)
    for _ in range(5):
        gate.decide(unknown_plug)

    messages = [r.getMessage() for r in caplog.records if r.name == "fitlearn.power"]
    assert len(messages) == 2
    assert "allowed" in messages[0]
    assert "no battery" in messages[0]
    assert "paused" in messages[1]
    assert "plug state is unknown" in messages[1]


def test_no_battery_counts_as_mains_in_the_scheduler_view():
    reading = PsutilProbe(_psutil_returning(None)).read()
    assert reading is not None

    assert reading.as_dict()["on_external_power"] is True
    assert reading.as_dict()["battery_percent"] is None


# sysfs ------------------------------------------------------------------------------


def test_sysfs_on_battery_then_plugged(tmp_path):
    tree = FakePowerSupply(tmp_path / "ps")
    probe = SysfsProbe(tree.root)

    on_battery = probe.read()
    tree.plug()
    plugged = probe.read()

    assert on_battery is not None
    assert on_battery.on_external_power is False
    assert on_battery.battery_percent == 80.0
    assert plugged is not None
    assert plugged.on_external_power is True
    assert "AC online" in plugged.detail


def test_sysfs_usb_supply_counts_as_external(tmp_path):
    tree = FakePowerSupply(tmp_path / "ps", ac=False)
    tree.add("ucsi-source-psy-USBC000:001", type="USB", online="1")

    reading = SysfsProbe(tree.root).read()

    assert reading is not None
    assert reading.on_external_power is True


def test_sysfs_battery_status_alone_decides_without_ac_entry(tmp_path):
    tree = FakePowerSupply(tmp_path / "ps", ac=False)
    tree.add("BAT0", status="Full")

    reading = SysfsProbe(tree.root).read()

    assert reading is not None
    assert reading.on_external_power is True


def test_sysfs_empty_tree_is_a_machine_without_battery(tmp_path):
    tree = FakePowerSupply(tmp_path / "ps", ac=False, battery=False)

    reading = SysfsProbe(tree.root).read()

    assert reading is not None
    assert reading.battery_present is False
    assert reading.on_external_power is None
    assert ChargingGate().decide(reading).allowed


def test_sysfs_ignores_a_wireless_mouse_battery(tmp_path):
    tree = FakePowerSupply(tmp_path / "ps", ac=False, battery=False)
    tree.add(
        "hidpp_battery_0",
        type="Battery",
        scope="Device",
        status="Discharging",
        capacity="15",
    )

    reading = SysfsProbe(tree.root).read()

    assert reading is not None
    assert reading.battery_present is False


def test_sysfs_garbage_files_never_raise(tmp_path):
    tree = FakePowerSupply(tmp_path / "ps")
    tree.add("BAT0", capacity="n/a")
    (tree.root / "BAT0" / "status").write_bytes(b"\xff\xfe\x00")
    (tree.root / "AC" / "online").unlink()
    (tree.root / "AC" / "online").mkdir()  # a folder where a file should be

    reading = SysfsProbe(tree.root).read()

    assert reading is not None
    assert reading.battery_percent is None


def test_sysfs_missing_folder_means_cannot_tell(tmp_path):
    assert SysfsProbe(tmp_path / "absent").read() is None


def test_chain_first_definite_answer_wins_and_names_its_source(tmp_path):
    tree = FakePowerSupply(tmp_path / "ps")
    tree.plug()
    psutil_says_battery = PsutilProbe(_psutil_returning(sbattery(50, 100, False)))

    reading = ChainedProbe([SysfsProbe(tree.root), psutil_says_battery]).read()

    assert reading.on_external_power is True
    assert reading.source == "sysfs"


def test_chain_prefers_a_seen_battery_when_nobody_knows_the_plug(tmp_path):
    empty = FakePowerSupply(tmp_path / "ps", ac=False, battery=False)
    battery_unknown = PsutilProbe(_psutil_returning(sbattery(80, -1, None)))

    reading = ChainedProbe([SysfsProbe(empty.root), battery_unknown]).read()

    assert reading.source == "psutil"
    assert reading.battery_present is True
    assert not ChargingGate().decide(reading).allowed


@pytest.mark.parametrize(("override", "plugged"), [("mains", True), ("battery", False)])
def test_config_override_decides_first(tmp_path, override, plugged):
    tree = FakePowerSupply(tmp_path / "ps")
    tree.plug()

    reading = default_probe(override, tree.root).read()

    assert reading.on_external_power is plugged
    assert reading.source == "config"


def test_override_auto_defers():
    assert OverrideProbe("auto").read() is None


def test_gate_waits_for_a_low_battery_to_charge(tmp_path):
    tree = FakePowerSupply(tmp_path / "ps")
    tree.plug()
    tree.battery(20)
    gate = ChargingGate(min_battery_percent=40)

    low = gate.decide(
        SysfsProbe(tree.root).read() or PowerReading(None, None, None, "", "")
    )
    tree.battery(45)
    charged = gate.decide(
        SysfsProbe(tree.root).read() or PowerReading(None, None, None, "", "")
    )

    assert not low.allowed
    assert "20%" in low.reason
    assert charged.allowed
