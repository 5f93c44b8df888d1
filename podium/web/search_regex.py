"""One meaning for every search regex: Python's `re` syntax, checked, then run exactly as checked.

The check reads a pattern with the standard library's parser, but the scan runs on the `regex`
engine (the only one with a timeout), which reads more syntax: `{e<=1}` is fuzzy matching there
and literal text for `re`, `[[:alpha:]]` a POSIX class there and a plain set for `re`. So the
engine never sees the user's text. The parse tree the check approved is written back out as a
pattern whose every literal is escaped, which both engines read the same way; and syntax the
`regex` module reads differently is refused with a reason first, so that nobody gets literal
matching where they meant fuzzy matching.
"""

from __future__ import annotations

import re
from re import _parser as sre_parse

import regex

from podium.errors import UsageError

MAX_PATTERN_CHARS = 100
MAX_REPEATS = 6
MAX_COUNT = 100
REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
REPEAT_COUNT = re.compile(r"\{(?:\d+(?:,\d*)?|,\d*)\}")  # what `re` reads as a count; any other { is text
SYNTAX_HINT = ("Searches use Python's re syntax: extensions of the regex module (fuzzy matching, \\p{L}, (?r), "
               "recursion, POSIX classes) are not offered. Escape special characters with a backslash to "
               "search for them literally.")
FLAG_LETTERS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.ASCII, "a"), (re.UNICODE, "u"))
AT = {"AT_BEGINNING": "^", "AT_BEGINNING_STRING": r"\A", "AT_END": "$", "AT_END_STRING": r"\Z",
      "AT_BOUNDARY": r"\b", "AT_NON_BOUNDARY": r"\B"}
CATEGORY = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
            "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


class SearchError(UsageError):
    """The search text cannot be used; the message says how to fix it."""

    kind = "bad_search"


def compile_search_regex(word: str) -> regex.Pattern:
    """The case-insensitive `regex` pattern that matches exactly what `re.compile(word, re.I)` would,
    or SearchError: invalid, written in syntax only the regex module reads, or prone to
    catastrophic backtracking."""
    if len(word) > MAX_PATTERN_CHARS:
        raise SearchError(f"The regular expression {word[:20]!r}... is longer than {MAX_PATTERN_CHARS} characters.")
    extension = _regex_module_syntax(word)
    if extension:
        raise SearchError(f"{word!r} {extension}.", hint=SYNTAX_HINT)
    try:
        re.compile(word)  # the whole of re's checks (a look-behind's fixed width is checked past the parser)
        tree = sre_parse.parse(word)
    except (re.error, OverflowError, RecursionError) as err:
        raise SearchError(f"{word!r} is not a valid regular expression ({err}).", hint=SYNTAX_HINT) from None
    problem = _risk(list(tree), inside_repeat=False, count=[0])
    if problem:
        raise SearchError(f"The regular expression {word!r} {problem}, which could make the search very slow.",
                          hint="Simplify it: for example (ab)+ instead of (a+b)+.")
    return regex.compile(_global_flags(tree.state.flags) + _render(list(tree)), regex.IGNORECASE | regex.VERSION0)


def required_literals(word: str) -> tuple[str, ...]:
    """Lowercased ASCII runs of text every match of `word` (a pattern `compile_search_regex` accepted)
    contains: the pattern's top level is a sequence, so each literal run in it must appear. A scan
    skips ASCII names that lack one without running the engine, whose timeout costs a few
    microseconds per call (seconds' worth on a board of 100,000 names)."""
    runs, run = [], ""
    for op, arg in sre_parse.parse(word):
        if str(op) == "LITERAL" and arg < 128:
            run += chr(arg).lower()
            continue
        runs.append(run)
        run = ""
    return tuple(r for r in (*runs, run) if r)


def _regex_module_syntax(word: str) -> str | None:
    """Why `word` holds syntax that the regex module reads otherwise than `re`, or None."""
    i = 0
    while i < len(word):
        char = word[i]
        if char == "\\":
            if word[i + 1:i + 2] in ("N", "p", "P") and word.startswith("{", i + 2):  # \N{NAME}, \p{L}: one escape
                end = word.find("}", i)
                i = len(word) if end < 0 else end + 1
            else:
                i += 2
        elif char == "[":
            i = _class_end(word, i)
            if i < 0:
                return ("has [ inside a character class (nested sets and POSIX classes such as [[:alpha:]] are "
                        "not offered); write \\[ for a bracket")
        elif char == "{" and not REPEAT_COUNT.match(word, i):
            return ("has a brace that is not a repeat count such as {2} or {1,3} (fuzzy matching such as {e<=1} "
                    "is not offered); write \\{ for a brace")
        else:
            i += 1
    return None


def _class_end(word: str, start: int) -> int:
    """The index after the character class opening at `start`, or -1 for a [ inside it."""
    i = start + 1
    if word.startswith("^", i):
        i += 1
    if word.startswith("]", i):  # a leading ] is a literal
        i += 1
    while i < len(word) and word[i] != "]":
        if word[i] == "[":
            return -1
        i += 2 if word[i] == "\\" else 1
    return i + 1


def _risk(items: list, inside_repeat: bool, count: list[int]) -> str | None:
    """Why a parsed pattern could backtrack catastrophically, or None. Refuses backreferences,
    a repetition or alternation inside a repetition, huge counts and too many repetitions."""
    for op, arg in items:
        name = str(op)
        sub: list[tuple[list, bool]] = []
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            return "uses a backreference"
        if name in REPEATS:
            low, high, body = arg
            count[0] += 1
            if inside_repeat:
                return "repeats something that itself repeats"
            if count[0] > MAX_REPEATS:
                return f"has more than {MAX_REPEATS} repetitions"
            if low > MAX_COUNT or (high != sre_parse.MAXREPEAT and high > MAX_COUNT):
                return f"repeats more than {MAX_COUNT} times"
            sub = [(list(body), True)]
        elif name == "BRANCH":
            if inside_repeat:
                return "repeats an alternation"
            sub = [(list(b), inside_repeat) for b in arg[1]]
        elif name == "SUBPATTERN":
            sub = [(list(arg[-1]), inside_repeat)]
        elif name in ("ASSERT", "ASSERT_NOT"):
            sub = [(list(arg[1]), inside_repeat)]
        elif name == "ATOMIC_GROUP":
            sub = [(list(arg), inside_repeat)]
        for body, inside in sub:
            problem = _risk(body, inside, count)
            if problem:
                return problem
    return None


def _global_flags(flags: int) -> str:
    """`(?ms)`-style flags of the whole pattern (VERBOSE has done its work in the parser; Unicode is the default)."""
    letters = "".join(letter for flag, letter in FLAG_LETTERS if flags & flag and flag != re.UNICODE)
    return f"(?{letters})" if letters else ""


def _scoped_flags(add: int, remove: int) -> str:
    """`i-s`-style flags of a `(?i-s:...)` group."""
    on = "".join(letter for flag, letter in FLAG_LETTERS if add & flag)
    off = "".join(letter for flag, letter in FLAG_LETTERS if remove & flag)
    return on + (f"-{off}" if off else "")


def _char(code: int) -> str:
    """A literal character neither engine can read as syntax."""
    char = chr(code)
    if char.isascii() and char.isalnum():
        return char
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _render(items: list) -> str:
    """The parse tree written out again: the pattern `re` parsed, in syntax both engines read alike."""
    return "".join(_render_one(str(op), arg) for op, arg in items)


def _render_one(op: str, arg) -> str:
    if op == "LITERAL":
        return _char(arg)
    if op == "NOT_LITERAL":
        return f"[^{_char(arg)}]"
    if op == "ANY":
        return "."
    if op == "AT":
        return AT[str(arg)]
    if op == "IN":
        return "[" + "".join(_render_set_item(str(kind), value) for kind, value in arg) + "]"
    if op == "BRANCH":
        return "(?:" + "|".join(_render(list(b)) for b in arg[1]) + ")"
    if op == "SUBPATTERN":
        _, add, remove, body = arg
        return f"(?{_scoped_flags(add, remove)}:{_render(list(body))})"
    if op in REPEATS:
        low, high, body = arg
        count = f"{{{low},{'' if high == sre_parse.MAXREPEAT else high}}}"
        return f"(?:{_render(list(body))}){count}" + {"MIN_REPEAT": "?", "POSSESSIVE_REPEAT": "+"}.get(op, "")
    if op in ("ASSERT", "ASSERT_NOT"):
        direction, body = arg
        kind = ("=" if op == "ASSERT" else "!") if direction == 1 else ("<=" if op == "ASSERT" else "<!")
        return f"(?{kind}{_render(list(body))})"
    if op == "ATOMIC_GROUP":
        return f"(?>{_render(list(arg))})"
    raise SearchError(f"The search cannot run a regular expression that uses {op.lower()}.", hint=SYNTAX_HINT)


def _render_set_item(kind: str, value) -> str:
    if kind == "NEGATE":
        return "^"
    if kind == "LITERAL":
        return _char(value)
    if kind == "RANGE":
        return f"{_char(value[0])}-{_char(value[1])}"
    if kind == "CATEGORY":
        return CATEGORY[str(value)]
    raise SearchError(f"The search cannot run a character class that uses {kind.lower()}.", hint=SYNTAX_HINT)
