"""The `SensorError` family: every error raised by this package."""


class SensorError(Exception):
    """Root of all errors raised by `sensors`."""


class UnreadableFileError(SensorError):
    """A workout file holds nothing usable (no heart rate, no RR intervals).

    The message names the file and says what is wrong with it.
    """


class UnsupportedFormatError(UnreadableFileError):
    """No importer knows the file's format."""


class MalformedNotificationError(SensorError):
    """A Bluetooth characteristic value does not match its specification.

    Attributes:
        payload: The bytes as received, for logs and bug reports.
    """

    def __init__(self, message: str, payload: bytes) -> None:
        super().__init__(f"{message} (bytes: {payload.hex(' ') or 'none'})")
        self.payload = payload


class BluetoothError(SensorError):
    """A Bluetooth operation failed (scan, connect, read, subscribe)."""


class ConnectFailedError(BluetoothError):
    """A sensor could not be connected, or the link broke while setting it up."""


class BluetoothUnavailableError(BluetoothError):
    """No usable Bluetooth adapter: missing, switched off, or not permitted."""


class BackendUnavailableError(BluetoothError):
    """The chosen Bluetooth backend's library is not installed."""
