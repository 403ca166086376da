"""`fitlearn power`, `train`, `recommend` with a model, and `daemon`, through click.

Power is faked at the sysfs boundary (a temporary power_supply tree the real
probe reads); the database is a real SQLite file under tmp_path, and training
is real, on a tiny simulated plan set in the config file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from importlib.metadata import EntryPoint

from click.testing import CliRunner

import plugins.manager
from fitlearn.store import Store
from fitlearn.training.runs import RunLog
from tests.conftest import SAMPLES
from tui.cli import main

RECOMMENDATION_KEYS = {
    "workout",
    "target_zone",
    "zone_bpm",
    "duration_min",
    "reason",
    "recommender",
    "details",
    "plugin_failures",
}


def _run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def _json(*args: str):
    result = _run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_power_json_on_battery_and_plugged(tmp_path, power_supply):
    db = str(tmp_path / "f.db")

    on_battery = _json("--db", db, "power", "--json")
    power_supply.plug()
    plugged = _json("--db", db, "power", "--json")

    assert {"on_external_power", "battery_percent", "source"} <= set(on_battery)
    assert on_battery["on_external_power"] is False
    assert on_battery["battery_percent"] == 80.0
    assert on_battery["source"] == "sysfs"
    assert on_battery["training_allowed"] is False
    assert plugged["on_external_power"] is True
    assert plugged["training_allowed"] is True


def test_power_text_and_config_override(tmp_path, power_supply):
    config = tmp_path / "c.toml"
    config.write_text('[training]\npower = "mains"\n', encoding="utf-8")

    result = _run("--db", str(tmp_path / "f.db"), "--config", str(config), "power")

    assert result.exit_code == 0
    assert "External power: yes (decided by config" in result.output
    assert "Training: allowed" in result.output


def test_bad_training_config_is_one_clear_line(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[training]\nthreads = 0\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["--config", str(config), "power"])

    assert result.exit_code == 1
    assert "training.threads must be a whole number from 1 to 64" in result.output


def test_train_json_reports_evaluation_steps_and_memory(
    tmp_path, config_file, power_supply
):
    db = tmp_path / "f.db"
    args = ("--db", str(db), "--config", str(config_file))

    first = _json(*args, "train", "--json")  # on battery: `train` runs anyway
    again = _json(*args, "train", "--json")

    assert isinstance(first["model_mae"], float)
    assert set(first["baseline_mae"]) == {
        "yesterday",
        "rolling_mean_7d",
        "baseline_60d",
    }
    assert first["steps"] > 0
    assert first["completed"]
    assert first["peak_memory_mb"] >= 0
    assert first["peak_rss_mb"] > 0
    assert "simulated" in first["data_basis"]["text"]
    assert again["stop_reason"] == "up_to_date"
    assert again["steps"] == 0
    assert again["model_mae"] == first["model_mae"]
    with Store(db) as store:
        assert [r.stop_reason for r in RunLog(store).latest()] == ["completed"]


def test_train_text_output(tmp_path, config_file):
    result = _run(
        "--db",
        str(tmp_path / "f.db"),
        "--config",
        str(config_file),
        "train",
        "--max-minutes",
        "5",
    )

    assert result.exit_code == 0
    assert "plan complete" in result.output
    assert "mean abs. error in lnRMSSD: model" in result.output
    assert "Data: pretrained on 3 simulated athletes" in result.output


def test_recommend_without_a_model_uses_the_rules(tmp_path, config_file):
    args = ("--db", str(tmp_path / "f.db"), "--config", str(config_file))
    assert _run(*args, "import", str(SAMPLES / "forerunner410-run.tcx")).exit_code == 0

    values = _json(*args, "recommend", "--json")

    assert set(values) >= RECOMMENDATION_KEYS
    assert values["recommender"] == "rules"
    assert values["model"] is None


def test_recommend_uses_the_trained_model_and_says_so(tmp_path, config_file):
    sample = SAMPLES / "fenix5-run-with-rr.csv"
    args = ("--db", str(tmp_path / "f.db"), "--config", str(config_file))
    assert _run(*args, "import", str(sample)).exit_code == 0
    _json(*args, "train", "--json")

    values = _json(*args, "recommend", "--json")
    text = _run(*args, "recommend").output

    assert set(values) >= RECOMMENDATION_KEYS
    assert values["recommender"] == "model"
    assert values["model"]["used"] is True
    assert values["model"]["name"] == "gru"
    assert "simulated" in values["model"]["data_basis"]
    assert "Model gru forecasts readiness" in values["reason"]
    assert "Model: trained model gru used" in text


def test_a_failing_model_plugin_is_reported_and_the_rules_answer(
    tmp_path, config_file, monkeypatch
):
    args = ("--db", str(tmp_path / "f.db"), "--config", str(config_file))
    _json(*args, "train", "--json")
    real = plugins.manager.entry_points  # type: ignore[attr-defined]
    broken = EntryPoint("gru", "no_such_module:Gru", "fitlearn.models")
    monkeypatch.setattr(
        plugins.manager,
        "entry_points",
        lambda group: [broken] if group == "fitlearn.models" else real(group=group),
    )

    values = _json(*args, "recommend", "--json")

    assert values["recommender"] == "rules"
    assert values["model"] is None
    assert any("'gru' failed to load" in f for f in values["plugin_failures"])


def test_daemon_runs_until_interrupted_and_does_not_train_on_battery(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[training]\npower = "battery"\n', encoding="utf-8")
    db = tmp_path / "f.db"
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data-home"))
    command = [
        sys.executable,
        "-c",
        "from tui.cli import main; main()",
        "--db",
        str(db),
        "--config",
        str(config),
        "daemon",
    ]

    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert "fitlearn daemon running" in first_line
    assert "paused: running on battery" in first_line
    assert process.returncode == 0, err
    assert "fitlearn daemon stopped." in out
    with Store(db) as store:
        assert RunLog(store).latest() == []
