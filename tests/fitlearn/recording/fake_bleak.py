"""A fake of bleak's public API (`BleakClient`, `BleakScanner`) over a scripted world.

It stands where the operating system's Bluetooth service would: peripherals
appear and disappear, notifications go to every handler registered for a
characteristic. Two misbehaviours of real stacks can be switched on (SEN-06):

- `stale_handlers_survive`: a dropped link leaves the old client's handlers
  registered until `stop_notify` removes them (bleak #2002/#1214), and
  `stop_notify` on a dropped client fails, so they are never removed;
- `refuse_second_start_notify`: one client object refuses a second
  `start_notify` on a characteristic (bleak #1645, macOS after a reconnect);
- `deliver_twice`: every notification calls each handler twice (#2002).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from bleak.exc import BleakDeviceNotFoundError, BleakError

from sensors.ble.uuids import (
    BATTERY_LEVEL,
    BODY_SENSOR_LOCATION,
    DEVICE_INFORMATION_STRINGS,
    HEART_RATE_MEASUREMENT,
    HEART_RATE_SERVICE,
)

Handler = Callable[[Any, bytearray], None]


@dataclass
class FakePeripheral:
    """A sensor in the fake world."""

    address: str
    name: str = "Fake HRM"
    rssi: int = -60
    present: bool = True
    values: dict[str, bytes] = field(default_factory=dict)
    client: FakeBleakClient | None = None


@dataclass
class FakeWorld:
    """Everything the fake clients and scanner share."""

    peripherals: dict[str, FakePeripheral] = field(default_factory=dict)
    handlers: dict[tuple[str, str], list[tuple[FakeBleakClient, Handler]]] = field(
        default_factory=dict
    )
    stale_handlers_survive: bool = False
    refuse_second_start_notify: bool = False
    deliver_twice: bool = False
    deliveries: int = 0
    """Handler calls made for notifications, stale ones included."""
    clients_created: int = 0

    def add(self, address: str, **values: bytes) -> FakePeripheral:
        """Add a heart-rate sensor offering the usual characteristics."""
        defaults = {
            HEART_RATE_MEASUREMENT: b"",
            BODY_SENSOR_LOCATION: b"\x01",
            BATTERY_LEVEL: b"\x5a",
            DEVICE_INFORMATION_STRINGS["manufacturer"]: b"Fake Co",
            DEVICE_INFORMATION_STRINGS["model"]: b"FK-1",
        }
        peripheral = FakePeripheral(address, values={**defaults, **values})
        self.peripherals[address] = peripheral
        return peripheral

    def notify(self, address: str, uuid: str, payload: bytes) -> None:
        """The sensor sends a notification to whoever is registered."""
        for _client, handler in list(self.handlers.get((address, uuid), [])):
            for _ in range(2 if self.deliver_twice else 1):
                self.deliveries += 1
                handler(SimpleNamespace(uuid=uuid), bytearray(payload))

    def drop(self, address: str) -> None:
        """The sensor goes out of range."""
        peripheral = self.peripherals[address]
        peripheral.present = False
        client, peripheral.client = peripheral.client, None
        if client is not None:
            client._link_lost()

    def live_subscribers(self, address: str, uuid: str) -> int:
        """Handlers registered by connected clients."""
        return sum(
            1 for c, _ in self.handlers.get((address, uuid), []) if c.is_connected
        )

    def classes(self) -> tuple[type[Any], Any]:
        """A (client class, scanner) pair bound to this world."""
        world = self

        class BoundClient(FakeBleakClient):
            def __init__(self, address: str, **kwargs: Any) -> None:
                super().__init__(world, address, **kwargs)

        return BoundClient, FakeBleakScanner(world)


class FakeBleakClient:
    """`BleakClient`'s public surface used by the backend."""

    def __init__(
        self,
        world: FakeWorld,
        address: str,
        disconnected_callback: Callable[[Any], None] | None = None,
        timeout: float = 10.0,
    ) -> None:
        world.clients_created += 1
        self._world = world
        self.address = address
        self._disconnected_callback = disconnected_callback
        self._connected = False
        self._started: set[str] = set()
        self._ever_started: set[str] = set()

    @property
    def is_connected(self) -> bool:
        return self._connected

    @property
    def services(self) -> Any:
        peripheral = self._world.peripherals[self.address]
        return SimpleNamespace(
            get_characteristic=lambda uuid: (
                SimpleNamespace(uuid=uuid) if uuid in peripheral.values else None
            )
        )

    async def connect(self) -> None:
        await asyncio.sleep(0.001)
        peripheral = self._world.peripherals.get(self.address)
        if peripheral is None or not peripheral.present:
            raise BleakDeviceNotFoundError(
                self.address, f"Device with address {self.address} was not found."
            )
        peripheral.client = self
        self._connected = True

    async def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self._world.peripherals[self.address].client = None

    async def read_gatt_char(self, uuid: str) -> bytearray:
        if not self._connected:
            raise BleakError("Not connected")
        return bytearray(self._world.peripherals[self.address].values[uuid])

    async def start_notify(self, uuid: str, callback: Handler) -> None:
        if not self._connected:
            raise BleakError("Not connected")
        if self._world.refuse_second_start_notify and uuid in self._ever_started:
            raise ValueError("Notifications already started")  # as CoreBluetooth raised
        self._ever_started.add(uuid)
        self._started.add(uuid)
        self._world.handlers.setdefault((self.address, uuid), []).append(
            (self, callback)
        )

    async def stop_notify(self, uuid: str) -> None:
        if not self._connected and self._world.stale_handlers_survive:
            raise BleakError("Not connected")
        self._started.discard(uuid)
        entries = self._world.handlers.get((self.address, uuid), [])
        entries[:] = [(c, h) for c, h in entries if c is not self]

    def _link_lost(self) -> None:
        self._connected = False
        if not self._world.stale_handlers_survive:
            for entries in self._world.handlers.values():
                entries[:] = [(c, h) for c, h in entries if c is not self]
        if self._disconnected_callback is not None:
            self._disconnected_callback(self)


class FakeBleakScanner:
    """`BleakScanner.discover(timeout, return_adv=True)`."""

    def __init__(self, world: FakeWorld) -> None:
        self._world = world

    async def discover(self, timeout: float = 5.0, *, return_adv: bool = False) -> Any:
        await asyncio.sleep(0.001)
        found = {}
        for peripheral in self._world.peripherals.values():
            if peripheral.present:
                device = SimpleNamespace(
                    address=peripheral.address, name=peripheral.name
                )
                adv = SimpleNamespace(
                    local_name=peripheral.name,
                    rssi=peripheral.rssi,
                    service_uuids=[HEART_RATE_SERVICE],
                )
                found[peripheral.address] = (device, adv)
        return found if return_adv else [d for d, _ in found.values()]


class ManualClock:
    """A recorder clock the test sets by hand; waits are short real sleeps."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self.start_ms = start_ms
        self.t_ms = start_ms

    def set(self, seconds: float) -> None:
        self.t_ms = self.start_ms + round(seconds * 1000)

    def now_ms(self) -> int:
        return self.t_ms

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0.001)
