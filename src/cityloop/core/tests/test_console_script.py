"""The `cityloop` console script on a fresh checkout: the data directory (its SQLite database, its static
directory) is made."""

import os
import subprocess
import sys
from pathlib import Path


def test_a_fresh_checkout_gets_its_data_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CITYLOOP_DATA_DIR",
                                                            "DJANGO_SETTINGS_MODULE"}}
    script = Path(sys.executable).parent / "cityloop"
    result = subprocess.run([str(script), "showmigrations", "core"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "cityloop.sqlite3").is_file()
    # Without it WhiteNoise warns at every start of the server.
    assert (tmp_path / "var" / "static").is_dir()
