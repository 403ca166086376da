"""Live recording from Bluetooth heart-rate sensors into the store.

`Recorder` takes a `sensors.ble.link.BleBackend` chosen by the caller (the CLI),
so the core never imports a Bluetooth library. `LiveFeed` carries the decoded
measurements to subscribers in the same process (dashboard, trainer).
"""

from fitlearn.recording.clock import AcceleratedClock, RecorderClock, SystemClock
from fitlearn.recording.live import (
    BatteryUpdate,
    ConnectionUpdate,
    HeartRateUpdate,
    LiveEvent,
    LiveFeed,
    LiveSubscription,
)
from fitlearn.recording.recorder import (
    Recorder,
    RecorderOptions,
    RecordingError,
    RecordingReport,
    SensorReport,
)

__all__ = [
    "AcceleratedClock",
    "BatteryUpdate",
    "ConnectionUpdate",
    "HeartRateUpdate",
    "LiveEvent",
    "LiveFeed",
    "LiveSubscription",
    "Recorder",
    "RecorderClock",
    "RecorderOptions",
    "RecordingError",
    "RecordingReport",
    "SensorReport",
    "SystemClock",
]
