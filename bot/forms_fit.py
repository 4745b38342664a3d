"""What a Slack form can show: the Block Kit limits a blueprint's forms must fit.

The bot draws a transition's *During* part as a modal (:mod:`bot.blocks.forms`,
:func:`bot.blocks.modals.move`); Slack caps what that modal holds. The engine
checks blueprints without knowing any renderer: ``config check`` and
``blueprint apply`` (with or without ``--check``) hand it :func:`fits`, the
engine's :class:`~engine.api.blueprints.FormFit`, so a form Slack could not
show is refused before it is in force, with the reason and the path.

Refused: more blocks than a modal holds (heading, message, one per field,
checklist groups of ten, note), and two choices that would read the same once
Slack cuts them to their first 75 characters. Long checklists, long choices
and many choices are fine: the renderer splits and searches them. Each reason
is a catalogue :class:`~engine.api.Phrase` (``blueprint.problem.form.*``): the
command that refuses the blueprint says it in its reader's language.
"""

from __future__ import annotations

from engine.api import Phrase
from engine.api.blueprints import During, Problem

FORM_BLOCKS = 100  # a Slack modal holds at most 100 blocks
CHECKLIST_GROUP = 10  # a Slack checkboxes element holds at most 10 items
OPTION_SHOWN = 75  # Slack shows at most 75 characters of a choice


def form_size(during: During) -> int:
    """The blocks a Slack form of ``during`` takes: heading, message, fields, checklist, note."""
    groups = -(-len(during.checklist) // CHECKLIST_GROUP)
    framing = 1 + bool(during.message) + (during.note != "none")
    return framing + len(during.fields) + groups


def shown(option: str) -> str:
    """What Slack shows of a choice: its first characters, cut with an ellipsis."""
    return option if len(option) <= OPTION_SHOWN else option[: OPTION_SHOWN - 1].rstrip() + "…"


def fits(during: During) -> list[Problem]:
    """What of ``during`` a Slack form cannot show, by path inside the form (none: it fits)."""
    problems: list[Problem] = []
    size = form_size(during)
    if size > FORM_BLOCKS:
        said = Phrase(
            "blueprint.problem.form.too_many_blocks",
            size=size,
            group=CHECKLIST_GROUP,
            limit=FORM_BLOCKS,
        )
        problems.append(Problem("", said))
    for index, spec in enumerate(during.fields):
        problems += _alike(spec.options, f"fields[{index}].options")
    return problems


def _alike(options: tuple[str, ...], path: str) -> list[Problem]:
    """Choices that read the same in Slack (one listed twice is the engine's to say)."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for option in dict.fromkeys(options):
        key = shown(option).casefold()
        if key not in seen:
            seen[key] = option
            continue
        said = Phrase(
            "blueprint.problem.form.options_alike",
            first=repr(seen[key]),
            second=repr(option),
            shown=OPTION_SHOWN,
        )
        problems.append(Problem(path, said))
    return problems
