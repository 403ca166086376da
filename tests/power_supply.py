"""A fake `/sys/class/power_supply` tree, written as the Linux kernel lays it out.

Tests that use it run at the sysfs file boundary: the probe reads real files in
a temporary folder; only the kernel is missing.
"""

from __future__ import annotations

from pathlib import Path


class FakePowerSupply:
    """An AC adapter and a battery under `root`, switchable like a cable."""

    def __init__(self, root: Path, *, battery: bool = True, ac: bool = True) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        if ac:
            self._write("AC", type="Mains", online="0")
        if battery:
            self._write(
                "BAT0",
                type="Battery",
                present="1",
                status="Discharging",
                capacity="80",
                scope="System",
            )

    def plug(self) -> None:
        """Connect the charger."""
        self._write("AC", online="1")
        if (self.root / "BAT0").exists():
            self._write("BAT0", status="Charging")

    def unplug(self) -> None:
        """Pull the charger."""
        self._write("AC", online="0")
        if (self.root / "BAT0").exists():
            self._write("BAT0", status="Discharging")

    def battery(self, capacity: int) -> None:
        """Set the charge level."""
        self._write("BAT0", capacity=str(capacity))

    def add(self, name: str, **attributes: str) -> None:
        """Any other supply (USB, a mouse battery...)."""
        self._write(name, **attributes)

    def _write(self, name: str, **attributes: str) -> None:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        for key, value in attributes.items():
            (folder / key).write_text(value + "\n", encoding="ascii")
