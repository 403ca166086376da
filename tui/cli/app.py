"""The root command, its shared options, and the context every command gets."""

from __future__ import annotations

import io
import logging
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from fitlearn import __version__
from fitlearn.errors import FitlearnError, StoreError
from fitlearn.store import Store
from sensors.errors import SensorError
from tui.config import Config, load_config
from tui.locations import CONFIG_ENV, default_config_path, default_db_path


@dataclass
class AppContext:
    """What the root command resolved, shared by every command."""

    db_path: Path
    config_path: Path
    config_named: bool = False
    """The user named the config file (--config or FITLEARN_CONFIG): it must exist."""
    _config: Config | None = None
    _store: Store | None = None
    _cleanups: list[Any] = field(default_factory=list)

    @property
    def config(self) -> Config:
        """The config file, read once."""
        if self._config is None:
            self._config = load_config(self.config_path, must_exist=self.config_named)
        return self._config

    def store(self, *, create: bool = False) -> Store:
        """The database, opened (and migrated) on first use.

        Args:
            create: Create the file if missing (commands that write). Commands that
                only read refuse a missing file: a mistyped --db would otherwise
                show an empty history as if the data were gone.
        """
        if self._store is None:
            if not create and not self.db_path.exists():
                raise StoreError(
                    f"No database at {self.db_path}. Import workouts first "
                    "(fitlearn import PATH), or check --db / FITLEARN_DB."
                )
            self._store = Store(self.db_path)
        return self._store

    def close(self) -> None:
        """Close what was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None


class FitlearnGroup(click.Group):
    """A group that turns `FitlearnError` into a one-line error, exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, translating expected errors."""
        try:
            return super().invoke(ctx)
        except (FitlearnError, SensorError) as exc:
            raise click.ClickException(str(exc)) from exc
        except DBAPIError as exc:
            # Whatever SQLite refuses (damaged file, full disk, no permission)
            # becomes one line that names the database and what to try.
            app = ctx.find_object(AppContext)
            where = app.db_path if app is not None else "the database"
            raise click.ClickException(
                f"Database error on {where}: {exc.orig}. Check that the file and its "
                "folder are readable and writable and the disk has room; a damaged "
                "database can be restored from its .bak copy."
            ) from exc


def configure_logging(verbosity: int) -> None:
    """Log to stderr: warnings by default, INFO with -v, DEBUG with -vv."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", force=True
    )


@click.group(
    cls=FitlearnGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Database file. Default: $FITLEARN_DB, else fitlearn.db in your data folder.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (TOML). Default: $FITLEARN_CONFIG, else config.toml "
    "in your config folder.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(__version__, prog_name="fitlearn")
@click.pass_context
def main(
    ctx: click.Context, db_path: Path | None, config_path: Path | None, verbose: int
) -> None:
    """Personal workout recommendations from your own heart-rate data.

    Everything stays on this machine: one SQLite file holds your data.
    """
    configure_logging(verbose)
    for stream in (sys.stdout, sys.stderr):
        # A file name with bytes that are not UTF-8 must print, not crash.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    app = AppContext(
        db_path=(db_path or default_db_path()).expanduser(),
        config_path=(config_path or default_config_path()).expanduser(),
        config_named=config_path is not None or CONFIG_ENV in os.environ,
    )
    ctx.obj = app
    ctx.call_on_close(app.close)


class FiniteRange(click.FloatRange):
    """A float range that also refuses nan and inf (which compare as in range)."""

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        """Parse, then check finiteness before the range."""
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)


def positive(maximum: float | None = None) -> FiniteRange:
    """A finite number above zero (and up to `maximum`)."""
    return FiniteRange(min=0, min_open=True, max=maximum)


pass_app = click.make_pass_decorator(AppContext)
"""Decorator giving a command the `AppContext`."""
