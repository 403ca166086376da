"""The fitlearn core: store, features, recommendation interfaces, training.

It depends on `sensors` for record types and never imports `plugins` or `tui`.
"""

__version__ = "0.1.0"
