"""The rooms of DESIGN.md hold: import-linter's contracts in pyproject.toml, and a light contract to import."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_dialogue_loads_without_numerical_or_database_libraries():
    code = ("import sys, dialogue.engine, backend_client, channels.app; "
            "print(sorted(m for m in ('numpy', 'scipy', 'sklearn', 'jieba', 'sqlalchemy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
