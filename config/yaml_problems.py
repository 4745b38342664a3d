"""PyYAML's words for a syntax mistake, as catalogue messages (``config.problem.yaml.…``).

PyYAML says what is wrong in English (``mapping values are not allowed here``,
``could not find expected ':'``); a French reader of ``config check --lang fr`` should
not have to read it. A ``MarkedYAMLError`` carries its ``problem`` and ``context`` as
fixed sentences with at most one quoted parameter (a character, a token, a name): the
common ones, those a person editing a file by hand meets, are matched here to catalogue
messages whose English text is PyYAML's own, word for word (an English reader sees what
he always saw), and whose French text says the same. A sentence not in the tables (a
YAML directive, a tag handle, a block scalar's indicator…) stays PyYAML's English, as the
parameter of the French ``YAML invalide : …`` around it.
"""

from __future__ import annotations

import re

import yaml

from engine.api import Phrase

PREFIX = "config.problem.yaml."
# PyYAML's problem sentences (scanner, parser, composer, constructor) → catalogue key; a
# named group is the message's parameter ('@', '<scalar>', 'x'), kept as PyYAML quoted it
# (a closing ']' or '}' too: a message that has parameters cannot write a lone brace).
PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), PREFIX + key)
    for pattern, key in (
        (r"mapping values are not allowed here", "mapping_values"),
        (r"could not find expected ':'", "expected_colon"),
        (r"found unexpected end of stream", "unexpected_end"),
        (r"found character '\\t' that cannot start any token", "tab"),
        (r"found character (?P<char>'.+') that cannot start any token", "cannot_start"),
        (r"expected <block end>, but found (?P<found>'.+')", "block_end"),
        (r"expected ',' or (?P<closing>'[\]}]'), but got (?P<found>'.+')", "flow_end"),
        (r"expected the node content, but found (?P<found>'.+')", "node_content"),
        (r"found unknown escape character (?P<char>'.+')", "escape"),
        (r"found undefined alias (?P<name>'.+')", "undefined_alias"),
        (r"expected alphabetic or numeric character, but found (?P<char>'.+')", "alias_name"),
        (r"could not determine a constructor for the tag (?P<tag>'.+')", "unknown_tag"),
        # libyaml's words (the C parser, which reads the CPQ files): no character, no token
        (r"mapping values are not allowed in this context", "mapping_values_context"),
        (r"found character that cannot start any token", "cannot_start_any"),
        (r"did not find expected key", "expected_key"),
        (r"did not find expected '-' indicator", "expected_dash"),
        (r"did not find expected ',' or (?P<closing>'[\]}]')", "expected_flow_end"),
        (r"did not find expected node content", "expected_node_content"),
        (r"found unknown escape character", "escape_any"),
        (r"found undefined alias", "undefined_alias_any"),
        (r"did not find expected alphabetic or numeric character", "expected_alphanumeric"),
    )
)
# PyYAML's context sentences (what it was reading) → catalogue key.
CONTEXTS = {
    "while scanning a simple key": "while_key",
    "while scanning a quoted scalar": "while_quoted",
    "while scanning a double-quoted scalar": "while_double_quoted",
    "while parsing a quoted scalar": "while_parsing_quoted",
    "while scanning for the next token": "while_next_token",
    "while parsing a block mapping": "while_block_mapping",
    "while parsing a block collection": "while_block_collection",
    "while parsing a flow sequence": "while_flow_sequence",
    "while parsing a flow mapping": "while_flow_mapping",
    "while parsing a flow node": "while_flow_node",
    "while parsing a block node": "while_block_node",
    "while scanning an alias": "while_alias",
    "while scanning an anchor": "while_anchor",
}
# PyYAML's token names ('<stream end>', '?') as a reader calls them; punctuation stays.
TOKENS = {
    "'<stream end>'": "stream_end",
    "'<block end>'": "block_end",
    "'<block mapping start>'": "mapping_start",
    "'<block sequence start>'": "sequence_start",
    "'<scalar>'": "scalar",
    "'?'": "key",
}


def yaml_detail(exc: yaml.MarkedYAMLError) -> str:
    """What is wrong, without where: a catalogue message when PyYAML's sentences are known,
    PyYAML's own English otherwise (``problem (context)``, as it has always read)."""
    context = exc.context or ""
    english = f"{exc.problem}{f' ({context})' if context else ''}"
    problem = _problem(exc.problem or "")
    if problem is None or (context and context not in CONTEXTS):
        return english
    if not context:
        return problem
    return Phrase(PREFIX + "in_context", problem=problem, context=Phrase(_context(context)))


def _problem(sentence: str) -> Phrase | None:
    """PyYAML's ``problem`` as a catalogue message, ``None`` for a sentence not in the table."""
    for pattern, key in PROBLEMS:
        found = pattern.fullmatch(sentence)
        if found:
            params: dict[str, str] = found.groupdict()
            if "found" in params:
                params["found"] = _token(params["found"])
            return Phrase(key, **params)
    return None


def _context(sentence: str) -> str:
    return PREFIX + CONTEXTS[sentence]


def _token(quoted: str) -> str:
    """A token PyYAML names (``'<scalar>'``) in the reader's words; a character as it is."""
    name = TOKENS.get(quoted)
    return quoted if name is None else Phrase(PREFIX + "token." + name)
