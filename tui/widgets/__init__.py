"""Dashboard widgets that stand alone: each takes a loader and renders its data."""
