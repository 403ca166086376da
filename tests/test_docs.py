"""The README documents every command, and the CI script runs the README's tests."""

from __future__ import annotations

import re

import click

from tests.conftest import REPO
from tui.cli import main


def _commands(group: click.Group, prefix: str = "fitlearn") -> list[str]:
    names = []
    for name, command in group.commands.items():
        names.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            names += _commands(command, f"{prefix} {name}")
    return names


def test_every_command_is_in_the_readme_with_help():
    readme = (REPO / "README.md").read_text()

    missing = [name for name in _commands(main) if f"`{name}" not in readme]

    assert missing == []
    assert all(command.help for command in main.commands.values())


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.DOTALL)
    test_command = next(block for block in blocks if block.rstrip().endswith("pytest"))

    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()

    assert test_command.strip() in [line.strip() for line in ci_lines]
