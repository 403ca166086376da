"""The `SensorError` family: every error raised by this package."""


class SensorError(Exception):
    """Root of all errors raised by `sensors`."""


class UnreadableFileError(SensorError):
    """A workout file holds nothing usable (no heart rate, no RR intervals).

    The message names the file and says what is wrong with it.
    """


class UnsupportedFormatError(UnreadableFileError):
    """No importer knows the file's format."""
