"""Print the fingerprint of pyproject.toml's dependencies (the runtime ones and [test]).

scripts/lock writes it at the head of requirements.lock; scripts/_venv compares it with
pyproject.toml's of the moment to tell a stale lock. Only the dependency lists count:
editing a tool's settings in pyproject.toml leaves the lock valid.
"""

import hashlib
import json
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml").read_text())[
    "project"
]
deps = {
    "dependencies": sorted(project.get("dependencies", [])),
    "test": sorted(project.get("optional-dependencies", {}).get("test", [])),
    "python": project.get("requires-python", ""),
}
print(hashlib.sha256(json.dumps(deps, sort_keys=True).encode()).hexdigest()[:16])
