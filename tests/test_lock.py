"""requirements.lock matches pyproject.toml's dependencies: scripts/_venv installs from it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"


def test_the_lock_was_made_from_the_dependencies_of_pyproject() -> None:
    wanted = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "_deps_fingerprint.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    match = re.search(r"^# pyproject-dependencies: (\w+)$", LOCK.read_text(), re.MULTILINE)
    assert match is not None and match.group(1) == wanted, (
        "requirements.lock is stale: run scripts/lock, commit it with pyproject.toml"
    )


def test_every_package_is_pinned_with_hashes_and_every_dependency_is_there() -> None:
    text = LOCK.read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", text, re.MULTILINE))
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 3)[3])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [
        re.split(r"[\[<>=!~;\s]", spec, maxsplit=1)[0]
        for spec in [*project["dependencies"], *project["optional-dependencies"]["test"]]
    ]
    locked = {_norm(name) for name in pins}
    assert [name for name in names if _norm(name) not in locked] == []


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
