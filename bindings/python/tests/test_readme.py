"""Runs exactly the README's quick start (the first ```python block after "## Quick start") in
a fresh interpreter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start() -> str:
    text = README.read_text("utf-8")
    section = text.split("## Quick start", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "no python block in the quick start"
    return match.group(1)


def test_readme_quick_start_runs() -> None:
    code = quick_start()
    assert "stella_ops.run()" in code
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "allowed: True"
    assert any(line.startswith("decision-attestation sha256:") for line in lines)
    assert lines[-1].startswith("sha256:")
