"""Is this machine on external power? Probes that never raise, and one policy.

Three probes answer the question, each in the same tri-state shape
(`PowerReading`: plugged in, on battery, or unknown):

- `OverrideProbe`: the config file says so (`[training] power = "mains"`).
- `SysfsProbe`: Linux's `/sys/class/power_supply` (AC adapters, USB supplies and
  batteries). Preferred on Linux because it also sees USB power delivery.
- `PsutilProbe`: `psutil.sensors_battery()` on every platform psutil supports.

`ChainedProbe` asks them in order; the first with a definite answer decides and
is named as the `source`. When none is definite, a reported battery wins over
"no battery", because a battery whose plug state is unknown must not be drained.

The policy for unknown states (SCHED-02) lives in `ChargingGate`:

- no battery at all (a Raspberry Pi, a desktop): a mains-powered machine, so
  training is allowed;
- a battery whose plug state cannot be read: not allowed;
- on external power with a measurable battery below the threshold: not allowed
  yet (the battery charges first).

The gate logs each new decision once, with its reason, not on every poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

logger = logging.getLogger(__name__)

SYSFS_POWER_SUPPLY = Path("/sys/class/power_supply")
EXTERNAL_SUPPLY_TYPES = frozenset({"Mains", "USB", "Wireless"})
PLUGGED_BATTERY_STATES = frozenset({"Charging", "Full", "Not charging"})

PowerOverride = Literal["auto", "mains", "battery"]


@dataclass(frozen=True)
class PowerReading:
    """What one probe could tell about the power supply.

    Every field may be unknown (None): psutil documents that it cannot always
    tell, and sysfs differs between machines.
    """

    on_external_power: bool | None
    """True plugged in, False running on battery, None unknown."""
    battery_present: bool | None
    """False when the machine reports no battery at all; None when unknown."""
    battery_percent: float | None
    source: str
    """Which probe produced this reading: `config`, `sysfs`, `psutil` or `none`."""
    detail: str
    """What the probe saw, for the user."""

    @property
    def definite(self) -> bool:
        """Whether the plug state is known."""
        return self.on_external_power is not None

    def counts_as_mains(self) -> bool | None:
        """The plug state with the no-battery rule applied.

        A machine without any battery runs from mains by necessity, so it
        counts as plugged in; a battery with an unknown plug state stays None.
        """
        if self.on_external_power is not None:
            return self.on_external_power
        return True if self.battery_present is False else None

    def as_dict(self) -> dict[str, object]:
        """The reading as the scheduler sees it, JSON-ready."""
        return {
            "on_external_power": self.counts_as_mains(),
            "battery_percent": self.battery_percent,
            "source": self.source,
            "battery_present": self.battery_present,
            "detail": self.detail,
        }


UNKNOWN = PowerReading(None, None, None, "none", "no power probe could tell")


class PowerProbe(Protocol):
    """Something that reads the power state."""

    name: str

    def read(self) -> PowerReading | None:
        """The current reading, or None when this probe cannot tell at all.

        Implementations never raise.
        """
        ...


class OverrideProbe:
    """The config file's `power` setting, when it is not `auto`."""

    name = "config"

    def __init__(self, override: PowerOverride) -> None:
        self.override = override

    def read(self) -> PowerReading | None:
        """`mains` or `battery` as configured; None for `auto`."""
        if self.override == "auto":
            return None
        plugged = self.override == "mains"
        detail = f'config file sets power = "{self.override}"'
        return PowerReading(plugged, None, None, self.name, detail)


class SysfsProbe:
    """Reads Linux's power-supply class: AC/USB `online`, battery `status`.

    Args:
        root: The power-supply folder; tests point it at a temporary tree.
    """

    name = "sysfs"

    def __init__(self, root: Path = SYSFS_POWER_SUPPLY) -> None:
        self.root = root

    def read(self) -> PowerReading | None:
        """The reading, or None when the folder does not exist (not Linux)."""
        try:
            entries = sorted(self.root.iterdir()) if self.root.is_dir() else None
        except OSError as exc:
            logger.debug("Cannot list %s: %s", self.root, exc)
            return None
        if entries is None:
            return None
        supplies = [_supply(entry) for entry in entries]
        return _interpret_supplies([s for s in supplies if s is not None])


@dataclass(frozen=True)
class _Supply:
    name: str
    kind: str
    online: bool | None
    status: str | None
    capacity: float | None


def _attribute(folder: Path, name: str) -> str | None:
    try:
        return (folder / name).read_text(encoding="ascii", errors="replace").strip()
    except (OSError, ValueError):
        return None


def _supply(folder: Path) -> _Supply | None:
    kind = _attribute(folder, "type")
    if kind is None:
        return None
    # A wireless mouse or headset battery has scope "Device"; it does not power us.
    if kind == "Battery" and (
        _attribute(folder, "scope") == "Device" or _attribute(folder, "present") == "0"
    ):
        return None
    online = _attribute(folder, "online")
    capacity = _attribute(folder, "capacity")
    return _Supply(
        name=folder.name,
        kind=kind,
        online=None if online not in ("0", "1") else online == "1",
        status=_attribute(folder, "status"),
        capacity=float(capacity) if capacity and capacity.isdigit() else None,
    )


def _interpret_supplies(supplies: Sequence[_Supply]) -> PowerReading:
    batteries = [s for s in supplies if s.kind == "Battery"]
    external = [s for s in supplies if s.kind in EXTERNAL_SUPPLY_TYPES]
    capacities = [b.capacity for b in batteries if b.capacity is not None]
    percent = sum(capacities) / len(capacities) if capacities else None
    present = bool(batteries)

    def reading(plugged: bool | None, detail: str) -> PowerReading:
        return PowerReading(plugged, present, percent, "sysfs", detail)

    online = [s.name for s in external if s.online]
    if online:
        return reading(True, f"{', '.join(online)} online")
    if any(b.status in PLUGGED_BATTERY_STATES for b in batteries):
        return reading(True, "battery " + _statuses(batteries))
    if any(b.status == "Discharging" for b in batteries):
        return reading(False, "battery " + _statuses(batteries))
    if present and external and all(s.online is False for s in external):
        return reading(False, "all external supplies offline")
    if not present:
        return reading(None, "no battery in the power-supply class")
    return reading(None, "battery present, plug state not reported")


def _statuses(batteries: Sequence[_Supply]) -> str:
    return ", ".join(f"{b.name} {b.status or 'unknown'}" for b in batteries)


class PsutilProbe:
    """`psutil.sensors_battery()`, which may be absent, None, or half-known.

    Args:
        module: The psutil module (tests pass a stand-in); None imports psutil.
    """

    name = "psutil"

    def __init__(self, module: object | None = None) -> None:
        self._module = module

    def read(self) -> PowerReading | None:
        """The reading; None only when psutil itself is missing or fails."""
        module = self._module
        if module is None:
            try:
                import psutil
            except ImportError:
                return None
            module = psutil
        sensors_battery: Callable[[], object] | None = getattr(
            module, "sensors_battery", None
        )
        if sensors_battery is None:
            return PowerReading(
                None,
                False,
                None,
                self.name,
                "psutil reads no batteries on this platform",
            )
        try:
            battery = sensors_battery()
        except Exception as exc:  # psutil documents None, but drivers can fail too
            logger.debug("psutil.sensors_battery() failed: %s", exc)
            return None
        if battery is None:
            return PowerReading(
                None, False, None, self.name, "psutil reports no battery"
            )
        return _from_psutil(battery)


def _from_psutil(battery: object) -> PowerReading:
    plugged = getattr(battery, "power_plugged", None)
    percent = getattr(battery, "percent", None)
    percent_value = float(percent) if isinstance(percent, int | float) else None
    if plugged is None:
        detail = "psutil sees a battery but not whether it is plugged in"
    else:
        detail = "psutil: plugged in" if plugged else "psutil: on battery"
    return PowerReading(
        plugged if isinstance(plugged, bool) else None,
        True,
        percent_value,
        "psutil",
        detail,
    )


class ChainedProbe:
    """Asks probes in order; the first definite answer decides.

    Args:
        probes: In order of trust.
    """

    name = "chain"

    def __init__(self, probes: Sequence[PowerProbe]) -> None:
        self.probes = list(probes)

    def read(self) -> PowerReading:
        """The deciding reading; `UNKNOWN` when no probe answered at all."""
        readings = []
        for probe in self.probes:
            try:
                reading = probe.read()
            except Exception:  # a probe is documented not to raise; be sure anyway
                logger.debug("Power probe %s raised", probe.name, exc_info=True)
                continue
            if reading is None:
                continue
            if reading.definite:
                return reading
            readings.append(reading)
        # Nobody knows the plug state: a probe that sees a battery outranks one that does not.
        with_battery = [r for r in readings if r.battery_present]
        return (with_battery or readings or [UNKNOWN])[0]


def default_probe(
    override: PowerOverride = "auto", sysfs_root: Path = SYSFS_POWER_SUPPLY
) -> ChainedProbe:
    """The probe chain the scheduler uses: config, then sysfs (Linux), then psutil."""
    return ChainedProbe(
        [OverrideProbe(override), SysfsProbe(sysfs_root), PsutilProbe()]
    )


@dataclass(frozen=True)
class GateDecision:
    """Whether training may run now, and why."""

    allowed: bool
    reason: str
    reading: PowerReading


class ChargingGate:
    """The training rule over a power reading (see the module docstring).

    Args:
        min_battery_percent: On external power, a measurable battery must be at
            least this full before training starts.
    """

    def __init__(self, min_battery_percent: float = 40.0) -> None:
        self.min_battery_percent = min_battery_percent
        self._last: tuple[bool, str] | None = None

    def decide(self, reading: PowerReading) -> GateDecision:
        """Apply the rule; log the decision when it differs from the last one."""
        allowed, reason = self._rule(reading)
        if self._last != (allowed, reason):
            self._last = (allowed, reason)
            logger.info(
                "Training %s: %s (%s, from %s)",
                "allowed" if allowed else "paused",
                reason,
                reading.detail,
                reading.source,
            )
        return GateDecision(allowed, reason, reading)

    def _rule(self, reading: PowerReading) -> tuple[bool, str]:
        plugged = reading.on_external_power
        if plugged is False:
            return False, "running on battery"
        if plugged is None and reading.battery_present is False:
            return True, "no battery: a mains-powered machine"
        if plugged is None:
            return False, "a battery is present but its plug state is unknown"
        percent = reading.battery_percent
        if percent is not None and percent < self.min_battery_percent:
            return False, (
                f"plugged in, but the battery is at {percent:.0f}% "
                f"(training starts at {self.min_battery_percent:.0f}%)"
            )
        return True, "on external power"
