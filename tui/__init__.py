"""User interfaces: the `fitlearn` command line and the Textual dashboard.

This layer wires everything together. It alone reads the config file, configures
logging and chooses plugins; the core (`fitlearn`, `sensors`) is handed what it
needs.
"""
