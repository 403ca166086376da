"""The core runs without the user interface, and layers import one way."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_core_and_plugins_load_no_textual():
    code = (
        "import sys, fitlearn.features.service, fitlearn.ingest, sensors.importers, "
        "plugins.recommenders; print('textual' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_core_never_imports_plugins_or_tui():
    offenders = []
    for path in [*REPO.glob("fitlearn/**/*.py"), *REPO.glob("sensors/**/*.py")]:
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and any(
                f" {layer}" in stripped.split(" import")[0]
                for layer in ("plugins", "tui")
            ):
                offenders.append(f"{path.relative_to(REPO)}: {stripped}")
    sensors_up = [
        f"{p.relative_to(REPO)}"
        for p in REPO.glob("sensors/**/*.py")
        if "from fitlearn" in p.read_text() or "import fitlearn" in p.read_text()
    ]
    assert offenders == []
    assert sensors_up == []
