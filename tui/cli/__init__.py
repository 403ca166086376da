"""The `fitlearn` command line.

Commands live in modules by area (`data`, `ui`, ...) and are registered on the
`main` group below. Errors the user can fix (`FitlearnError`) become one clear
line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

from tui.cli.app import main
from tui.cli.data import (
    import_command,
    recommend_command,
    sessions_command,
    today_command,
)
from tui.cli.sensors import record_command, sensors_group
from tui.cli.training import daemon_command, power_command, train_command
from tui.cli.ui import dashboard_command, demo_command

for _command in (
    import_command,
    sessions_command,
    today_command,
    recommend_command,
    dashboard_command,
    demo_command,
    sensors_group,
    record_command,
    power_command,
    train_command,
    daemon_command,
):
    main.add_command(_command)

__all__ = ["main"]
