"""Bluetooth LE heart-rate sensors: decoding, the backend boundary, backends.

- `hrm`, `gatt_values`: pure decoders of characteristic values.
- `link`: the protocols every backend implements (scan, connect, read, subscribe).
- `sensor_info`: what a connected sensor says about itself.
- `backends/`: bleak (default) and bumble, each imported only when chosen.
- `emulation/`: a heart-rate strap emulated on bumble's virtual controllers.
"""
