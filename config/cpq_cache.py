"""The compiled price book, cached: ``pricing.yaml`` is parsed once per version of the file.

Reading a 10,000-rule ``pricing.yaml`` (YAML, then validation, then indexing) takes
seconds; every ``run.py quote …`` needs the rules. So the compiled
:class:`engine.cpq.quotes.CpqSetup` is kept in a private cache folder, one file per
``pricing.yaml`` (named by the hash of its path), holding a key and the setup, pickled.
The key is the SHA-256 of the file's bytes plus a fingerprint of the code that reads and
defines the rules (the size and modification time of each source file of
``engine/cpq`` and of the CPQ schema, the Python version): edit the file, or upgrade
Relais, and the next call parses again and rewrites the entry. An entry that cannot be
read is a miss. The folder is created 0700 and entries 0600 (written to a temporary file
then renamed): it holds only what this user's own process wrote, which is what makes
unpickling it safe.

The folder is ``RELAIS_CACHE_DIR`` when set (``off`` disables the cache), else ``cache``
beside the SQLite database, else (PostgreSQL) ``$XDG_CACHE_HOME/relais`` or
``~/.cache/relais``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.cpq_errors import CpqConfigError

if TYPE_CHECKING:
    from config.settings import Settings
    from engine.api.cpq import CpqSetup

__all__ = ["cache_folder", "load_cpq_cached"]

FORMAT = 1  # bump when the entry's layout changes
PRICING_FILE = "pricing.yaml"  # as config.cpq_schema.PRICING_FILE (not imported: pydantic)
_ROOT = Path(__file__).resolve().parent.parent
# The modules whose classes an entry holds, or whose code decides what it holds.
_SOURCES = (
    "engine/cpq",
    "config/cpq_schema.py",
    "config/cpq_reading.py",
    "config/seller_schema.py",
)


def cache_folder(settings: Settings) -> Path | None:
    """Where compiled price books are kept for these settings; ``None``: no cache."""
    given = os.environ.get("RELAIS_CACHE_DIR", "").strip()
    if given:
        return None if given.lower() == "off" else Path(given)
    if settings.database_url is None:
        return settings.database_path.parent / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "relais"


def load_cpq_cached(
    folder: Path, cache: Path | None, load: Callable[[Path], CpqSetup] | None = None
) -> CpqSetup:
    """``load_cpq(folder)``, from the cache when its ``pricing.yaml`` was compiled before."""
    if load is None:
        load = _load_cpq
    path = folder / PRICING_FILE
    if cache is None or not path.is_file():
        return load(folder)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CpqConfigError([_unreadable(path, exc)]) from None
    key = _key(content)
    entry = cache / f"pricing-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}"
    found = _read(entry, key)
    if found is not None:
        return found
    setup = load(folder)
    _write(cache, entry, key, setup)
    return setup


def _unreadable(path: Path, exc: OSError) -> str:
    from engine.api import Phrase  # the catalogue: on an error only

    reason = Phrase("config.problem.unreadable", error=str(exc))
    return Phrase("config.problem.in_file", file=str(path), reason=reason)


def _load_cpq(folder: Path) -> CpqSetup:
    from config.cpq_schema import load_cpq  # pydantic and the schema: on a miss only

    return load_cpq(folder)


def _key(content: bytes) -> str:
    code = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
    for source in _source_files():
        with contextlib.suppress(OSError):
            stat = source.stat()
            code.update(f"{source.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return hashlib.sha256(content).hexdigest() + "-" + code.hexdigest()[:16]


def _source_files() -> Iterator[Path]:
    for name in _SOURCES:
        path = _ROOT / name
        yield from sorted(path.glob("*.py")) if path.is_dir() else [path]


def _read(entry: Path, key: str) -> CpqSetup | None:
    from engine.api.cpq import CpqSetup

    try:
        with entry.open("rb") as file:
            if pickle.load(file) != key:
                return None
            setup: Any = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign entry is only a miss
        return None
    return setup if isinstance(setup, CpqSetup) else None


def _write(cache: Path, entry: Path, key: str, setup: CpqSetup) -> None:
    """Store the entry; a cache that cannot be written only costs the next parse."""
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache, prefix=".pricing-")  # mode 0600
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(key, file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(setup, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return
