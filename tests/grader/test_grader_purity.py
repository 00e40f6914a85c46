"""The grader is pure: importing it loads numpy, scipy and the standard library, nothing of the web stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grader

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import grader
forbidden = ("flask", "sqlalchemy", "webapp", "exercises", "statsmodels", "pandas", "pytest")
loaded = sorted(name for name in sys.modules if name.split(".")[0] in forbidden)
print(",".join(loaded))
"""


def test_import_grader_loads_no_web_or_project_modules():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == ""


def test_public_api():
    assert isinstance(grader.GRADER_VERSION, str) and grader.GRADER_VERSION.count(".") == 2
    for name in grader.__all__:
        assert hasattr(grader, name), name
    for error in (grader.DataError, grader.KeyVerificationError, grader.KeySpecError, grader.AnswerError):
        assert issubclass(error, ValueError)
