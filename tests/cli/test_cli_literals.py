"""What the command line prints comes from the catalogue (issue #14): no sentence is written
into ``cli/`` itself.

The test reads every ``ctx.print``, ``ctx.fail`` and ``print`` call in ``cli/`` and fails on a
word (two letters or more) in a string literal it prints, outside the few allowed below,
each with its reason. A text goes into the catalogue as a ``cli.*`` key instead
(docs/translations.md) and is printed with ``text(locale, "cli.…", …)``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINTS = {"print", "fail"}
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
# Literal words a printed line may hold, each with its reason (path: words).
ALLOWED: dict[str, set[str]] = {
    # a saved quote's database id after its number: `Devis D-2026-0001 (id 3)`
    "cli/quote_cmd.py": {"id"},
    # `run.py config export` without --output: a YAML comment naming each file
    "cli/config_cmd.py": {"file"},
}


def printed_literals(path: Path) -> list[tuple[int, str]]:
    """The string constants passed (directly or inside an f-string) to a print call."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else None
        name = node.func.id if isinstance(node.func, ast.Name) else name
        if name not in PRINTS:
            continue
        for arg in node.args:
            found += [(arg.lineno, part) for part in _constants(arg)]
    return found


def _constants(node: ast.expr) -> list[str]:
    """Strings written in the code within ``node``, but not those given to a call (a key,
    a format) nor those inside a comprehension's data."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        ]
    if isinstance(node, ast.BinOp):
        return _constants(node.left) + _constants(node.right)
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def test_no_sentence_is_printed_from_a_literal_in_cli() -> None:
    words = []
    for path in sorted((ROOT / "cli").glob("*.py")):
        allowed = ALLOWED.get(path.relative_to(ROOT).as_posix(), set())
        for line, literal in printed_literals(path):
            extra = [w for w in WORD.findall(literal) if w not in allowed]
            if extra:
                words.append(f"{path.relative_to(ROOT)}:{line}: {literal!r}")
    assert not words, "print these through the catalogue (cli.* keys):\n" + "\n".join(words)


def test_the_check_sees_a_printed_sentence(tmp_path: Path) -> None:
    code = tmp_path / "x.py"
    code.write_text(
        'ctx.print(f"deal #{n} created")\nctx.fail("error: " + why)\n'
        'ctx.print(text(locale, "cli.deal_created", id=n))\nprint(f"{a} → {b}")\n',
        encoding="utf-8",
    )
    assert printed_literals(code) == [(1, "deal #"), (1, " created"), (2, "error: "), (4, " → ")]
