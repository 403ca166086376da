"""Emulated heart-rate sensors for tests, demos and benchmarks.

`script` is pure (an RR series turned into timed notifications); `strap` and
`replay` need bumble and run a real BLE stack on virtual controllers.
"""
