"""The config file (TOML): profile, time zone, plugins.

Example `config.toml`::

    timezone = "Europe/Berlin"      # for files that write local times
    recommender = "rules"           # entry-point name in fitlearn.recommenders

    [profile]
    hr_max = 188
    hr_rest = 52
    sex = "female"                  # or "male"; chooses the TRIMP weighting
    birth_year = 1988

A missing file means defaults. A file that cannot be read is an error that names
the line, never silently ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fitlearn.errors import FitlearnError
from fitlearn.features.profile import Profile


class ConfigError(FitlearnError):
    """The config file cannot be used as written."""


@dataclass(frozen=True)
class Config:
    """Settings from the config file, with defaults."""

    path: Path | None = None
    profile: Profile = field(default_factory=Profile)
    timezone_name: str | None = None
    """IANA zone for local times in files; None uses this machine's zone."""
    recommender: str = "rules"
    raw: dict[str, Any] = field(default_factory=dict)
    """The whole parsed file, for sections that other commands read."""

    def timezone(self) -> tzinfo:
        """The configured zone, else this machine's local zone."""
        if self.timezone_name:
            return load_zone(self.timezone_name)
        return local_zone()


def load_zone(name: str) -> tzinfo:
    """An IANA zone by name, with an error that says what to write."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"Unknown time zone {name!r}. Use an IANA name such as 'Europe/Berlin' "
            "or 'America/New_York'."
        ) from exc


def local_zone() -> tzinfo:
    """This machine's time zone (with its DST rules where the OS names it)."""
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        name = str(localtime.resolve()).partition("zoneinfo/")[2]
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
    from datetime import datetime

    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def load_config(path: Path) -> Config:
    """Read the config file at `path`; defaults when it does not exist."""
    if not path.exists():
        return Config(path=None)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc}") from exc
    return Config(
        path=path,
        profile=_profile(path, raw.get("profile", {})),
        timezone_name=_optional_str(path, raw, "timezone"),
        recommender=_optional_str(path, raw, "recommender") or "rules",
        raw=raw,
    )


def _profile(path: Path, section: Any) -> Profile:
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [profile] must be a table.")
    sex = section.get("sex")
    if sex not in (None, "male", "female"):
        raise ConfigError(
            f'{path}: profile.sex must be "male" or "female", not {sex!r}.'
        )
    values = {}
    for name, low, high in (("hr_max", 100, 240), ("hr_rest", 25, 120)):
        value = section.get(name)
        if value is not None and not (
            isinstance(value, int | float) and low <= value <= high
        ):
            raise ConfigError(
                f"{path}: profile.{name} must be a number from {low} to {high}."
            )
        values[name] = value
    birth_year = section.get("birth_year")
    if birth_year is not None and not isinstance(birth_year, int):
        raise ConfigError(f"{path}: profile.birth_year must be a year, like 1988.")
    return Profile(sex=sex, birth_year=birth_year, **values)


def _optional_str(path: Path, raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string.")
    return value
