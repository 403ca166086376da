"""Pure renderers: data in, Rich text out, testable without an app."""
