"""Where fitlearn keeps things on the user's machine (platformdirs)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

APP_NAME = "fitlearn"
DB_ENV = "FITLEARN_DB"
CONFIG_ENV = "FITLEARN_CONFIG"


def data_dir() -> Path:
    """The user's data folder for fitlearn (database, keys, checkpoints)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The user's config folder for fitlearn."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """`$FITLEARN_DB` if set, else `fitlearn.db` in the data folder."""
    from_env = os.environ.get(DB_ENV)
    return Path(from_env).expanduser() if from_env else data_dir() / "fitlearn.db"


def default_config_path() -> Path:
    """`$FITLEARN_CONFIG` if set, else `config.toml` in the config folder."""
    from_env = os.environ.get(CONFIG_ENV)
    return Path(from_env).expanduser() if from_env else config_dir() / "config.toml"


def training_dir(db_path: Path) -> Path:
    """Checkpoints and trained models of one database, in the data folder.

    Each database gets its own folder (named after the file and a hash of its
    full path), so a model trained on the demo never answers for your data.
    """
    resolved = str(db_path.expanduser().resolve())
    tag = hashlib.sha256(resolved.encode()).hexdigest()[:8]
    return data_dir() / "training" / f"{db_path.stem}-{tag}"


def samples_dir() -> Path | None:
    """The bundled `data-samples/` folder, when running from a checkout."""
    candidate = Path(__file__).resolve().parent.parent / "data-samples"
    return candidate if candidate.is_dir() else None
