"""The `FitlearnError` family: every error the core raises on purpose."""


class FitlearnError(Exception):
    """Root of all errors raised by `fitlearn`."""


class StoreError(FitlearnError):
    """The database cannot be opened, read or written as asked."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer fitlearn than this one."""


class FeatureError(FitlearnError):
    """Features cannot be computed from what is stored."""
