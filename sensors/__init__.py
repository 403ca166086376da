"""Everything that produces heart-rate data: workout files and Bluetooth sensors.

This package knows file formats and Bluetooth, nothing of the store or of models.
Its output is plain records (`sensors.records`) that `fitlearn` stores.
"""
