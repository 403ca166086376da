"""Dashboard widgets, each self-contained and mountable in any Textual app."""
