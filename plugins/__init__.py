"""The extension surface: the plugin manager and the built-in plugins.

Plugins are discovered through entry points (`fitlearn.recommenders`, ...); the
built-in ones are registered the same way as third-party ones.
"""
