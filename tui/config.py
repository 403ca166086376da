"""The config file (TOML): profile, time zone, plugins.

Example `config.toml`::

    timezone = "Europe/Berlin"      # for files that write local times
    recommender = "rules"           # entry-point name in fitlearn.recommenders

    [profile]
    hr_max = 188
    hr_rest = 52
    sex = "female"                  # or "male"; chooses the TRIMP weighting
    birth_year = 1988

    [training]                      # every key optional; defaults shown
    power = "auto"                  # "mains" or "battery" overrides detection
    model = "gru"                   # entry-point name in fitlearn.models
    use_model = true                # recommend with the trained model when there is one
    min_battery_percent = 40        # on external power, wait until charged this far
    max_busy_percent = 50           # CPU used by other programs above which we wait
    threads = 1
    max_minutes = 10                # per run; the next run resumes
    max_memory_mb = 150             # resident memory growth per run
    check_minutes = 10              # how often the daemon looks for a chance to train
    seed = 7
    simulated_histories = 24
    simulated_days = 365
    pretrain_epochs = 12
    finetune_epochs = 15

A missing file means defaults. A file that cannot be read is an error that names
the line, never silently ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from datetime import date, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fitlearn.errors import FitlearnError
from fitlearn.features.profile import Profile
from fitlearn.power import PowerOverride


class ConfigError(FitlearnError):
    """The config file cannot be used as written."""


@dataclass(frozen=True)
class TrainingSettings:
    """The `[training]` section: power override, model, budget and plan."""

    power: PowerOverride = "auto"
    model: str = "gru"
    use_model: bool = True
    min_battery_percent: float = 40.0
    max_busy_percent: float = 50.0
    threads: int = 1
    max_minutes: float = 10.0
    max_memory_mb: float = 150.0
    check_minutes: float = 10.0
    seed: int = 7
    simulated_histories: int = 24
    simulated_days: int = 365
    pretrain_epochs: int = 12
    finetune_epochs: int = 15


_TRAINING_NUMBERS: dict[str, tuple[type, float, float]] = {
    "min_battery_percent": (float, 0, 100),
    "max_busy_percent": (float, 0, 100),
    "threads": (int, 1, 64),
    "max_minutes": (float, 0.05, 24 * 60),
    "max_memory_mb": (float, 10, 65536),
    "check_minutes": (float, 0.1, 24 * 60),
    "seed": (int, 0, 2**31 - 1),
    "simulated_histories": (int, 1, 1000),
    "simulated_days": (int, 60, 3650),
    "pretrain_epochs": (int, 0, 1000),
    "finetune_epochs": (int, 0, 1000),
}


@dataclass(frozen=True)
class Config:
    """Settings from the config file, with defaults."""

    path: Path | None = None
    profile: Profile = field(default_factory=Profile)
    timezone_name: str | None = None
    """IANA zone for local times in files; None uses this machine's zone."""
    recommender: str = "rules"
    training: TrainingSettings = field(default_factory=TrainingSettings)
    """The `[training]` section."""
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


KNOWN_KEYS = {
    "": {"timezone", "recommender", "profile", "training"},
    "profile": {"hr_max", "hr_rest", "sex", "birth_year"},
}
"""Keys each table may hold ("" is the top level; [training] checks its own)."""


def load_config(path: Path, *, must_exist: bool = False) -> Config:
    """Read the config file at `path`; defaults when it does not exist.

    Args:
        path: The file.
        must_exist: The user named this file (--config or FITLEARN_CONFIG), so a
            missing file is an error rather than "no settings".
    """
    if not path.exists():
        if must_exist:
            raise ConfigError(
                f"The config file {path} does not exist. Create it, or leave out "
                "--config / FITLEARN_CONFIG to use the defaults."
            )
        return Config(path=None)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc}") from exc
    _refuse_unknown_keys(path, raw)
    config = Config(
        path=path,
        profile=_profile(path, raw.get("profile", {})),
        timezone_name=_optional_str(path, raw, "timezone"),
        recommender=_optional_str(path, raw, "recommender") or "rules",
        training=_training(path, raw.get("training", {})),
        raw=raw,
    )
    if config.timezone_name:
        load_zone(config.timezone_name)  # a typo fails every command, not only import
    return config


def _refuse_unknown_keys(path: Path, raw: dict[str, Any]) -> None:
    """A misspelt key would silently do nothing; say so instead."""
    for table, known in KNOWN_KEYS.items():
        section = raw.get(table, {}) if table else raw
        if not isinstance(section, dict):
            continue
        unknown = sorted(set(section) - known)
        if unknown:
            where = f"[{table}]" if table else "the top level"
            raise ConfigError(
                f"{path}: unknown key(s) {', '.join(unknown)} in {where}. "
                f"Known: {', '.join(sorted(known))}."
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
    this_year = date.today().year
    if birth_year is not None and not (
        isinstance(birth_year, int) and 1900 <= birth_year <= this_year - 5
    ):
        raise ConfigError(
            f"{path}: profile.birth_year must be a year from 1900 to {this_year - 5}, "
            "like 1988."
        )
    return Profile(sex=sex, birth_year=birth_year, **values)


def _training(path: Path, section: Any) -> TrainingSettings:
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [training] must be a table.")
    unknown = sorted(set(section) - {f.name for f in fields(TrainingSettings)})
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) in [training]: {', '.join(unknown)}. "
            f"Known: {', '.join(f.name for f in fields(TrainingSettings))}."
        )
    power = section.get("power", "auto")
    if power not in ("auto", "mains", "battery"):
        raise ConfigError(
            f'{path}: training.power must be "auto", "mains" or "battery", not {power!r}.'
        )
    model = section.get("model", "gru")
    use_model = section.get("use_model", True)
    if not isinstance(model, str) or not isinstance(use_model, bool):
        raise ConfigError(
            f"{path}: training.model must be a string, training.use_model "
            "true or false."
        )
    numbers = {
        key: _training_number(path, key, section[key])
        for key in _TRAINING_NUMBERS
        if key in section
    }
    return TrainingSettings(power=power, model=model, use_model=use_model, **numbers)


def _training_number(path: Path, key: str, value: Any) -> Any:
    kind, low, high = _TRAINING_NUMBERS[key]
    allowed = int if kind is int else int | float
    if (
        isinstance(value, bool)
        or not isinstance(value, allowed)
        or not low <= value <= high
    ):
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(
            f"{path}: training.{key} must be {what} from {low:g} to {high:g}."
        )
    return kind(value)


def _optional_str(path: Path, raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string.")
    return value
