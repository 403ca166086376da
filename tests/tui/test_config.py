"""The config file: defaults, validation, messages that say what to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import ConfigError, load_config


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_a_missing_file_means_defaults_unless_named(tmp_path: Path):
    assert load_config(tmp_path / "absent.toml").profile.hr_max is None
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml", must_exist=True)


@pytest.mark.parametrize("year", [1800, 3000, "1988"])
def test_birth_year_must_be_a_real_birth_year(tmp_path: Path, year: object):
    value = f'"{year}"' if isinstance(year, str) else year
    path = _config(tmp_path, f"[profile]\nbirth_year = {value}\n")

    with pytest.raises(
        ConfigError, match=r"birth_year must be a year from 1900 to \d{4}"
    ):
        load_config(path)


def test_a_full_profile_reads_back(tmp_path: Path):
    path = _config(
        tmp_path,
        'timezone = "Europe/Berlin"\n[profile]\nhr_max = 188\nhr_rest = 52\n'
        'sex = "female"\nbirth_year = 1988\n',
    )

    config = load_config(path)

    assert (config.profile.hr_max, config.profile.hr_rest) == (188, 52)
    assert config.profile.sex == "female"
    assert str(config.timezone()) == "Europe/Berlin"
