"""The leaderboard's search language, parsed once per request into a pure matcher.

`;` separates alternatives: a row matches when any alternative does. Inside one alternative,
`@field:value` terms filter a column (every one must hold) and each remaining word must match
the model name, as a case-insensitive substring or, when it holds regex characters, as a
regex in Python's `re` syntax. Regexes are bounded three ways because a search box must never
stall the server: a length cap, a refusal of backreferences and nested quantifiers (the shapes
that backtrack catastrophically), and a time budget for the whole scan, enforced by the `regex`
engine's timeout (Python's `re` has none); `search_regex` makes that engine run exactly the
pattern `re` would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import regex

from podium.web.search_regex import SearchError, compile_search_regex, required_literals

MAX_QUERY_CHARS = 300
MAX_ALTERNATIVES = 10
SCAN_BUDGET_SECONDS = 0.25
REGEX_CHARS = frozenset(".*+?[](){}|^$\\")


@dataclass
class Deadline:
    """The time left for one scan; every regex call gets only what remains."""

    seconds: float = SCAN_BUDGET_SECONDS
    start: float = field(default_factory=time.perf_counter)

    def remaining(self) -> float:
        left = self.seconds - (time.perf_counter() - self.start)
        if left <= 0:
            raise _too_slow()
        return left


def _too_slow() -> SearchError:
    return SearchError("The search took too long and was stopped.", hint="Use a simpler pattern.")


@dataclass(frozen=True)
class Term:
    """One word of the name search: a plain lowercase substring, or a vetted case-insensitive regex."""

    text: str
    pattern: regex.Pattern
    plain: str | None = None
    literals: tuple[str, ...] = ()
    """A regex's required text (`required_literals`): ASCII names without it cannot match."""

    @classmethod
    def parse(cls, word: str) -> Term:
        if not any(c in REGEX_CHARS for c in word):
            return cls(word, regex.compile(regex.escape(word), regex.IGNORECASE), word.lower())
        return cls(word, compile_search_regex(word), literals=required_literals(word))

    def spans(self, name: str, deadline: Deadline) -> list[tuple[int, int]]:
        """Where this term matches in `name` (non-empty matches only)."""
        if self.plain is not None:
            lowered, spans, at = name.lower(), [], 0
            while self.plain and (at := lowered.find(self.plain, at)) >= 0:
                spans.append((at, at + len(self.plain)))
                at += len(self.plain)
            return spans
        return [m.span() for m in self.pattern.finditer(name, timeout=deadline.remaining()) if m.end() > m.start()]

    def select(self, names: Iterable[tuple[int, str, str]], deadline: Deadline | None = None) -> set[int]:
        """Keys of the (key, name, lowercased name) items this term matches."""
        if self.plain is not None:
            return {key for key, _, lowered in names if self.plain in lowered}
        deadline = deadline or Deadline()
        if self.literals:
            names = (item for item in names if not item[2].isascii() or all(t in item[2] for t in self.literals))
        try:
            return {key for key, name, _ in names if self.pattern.search(name, timeout=deadline.remaining())}
        except TimeoutError:
            raise _too_slow() from None


@dataclass(frozen=True)
class Alternative:
    terms: tuple[Term, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()


def field_matches(have: str | None, wanted: str, exact: bool) -> bool:
    """`@field:value`: case-insensitive; whole value for exact fields, substring otherwise."""
    have = (have or "").lower()
    return have == wanted if exact else wanted in have


@dataclass(frozen=True)
class SearchQuery:
    alternatives: tuple[Alternative, ...] = ()
    exact_fields: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.alternatives

    def select(self, term_keys: Callable[[Term], set[int]], field_keys: Callable[[str, str, bool], set[int]],
               everything: set[int]) -> set[int]:
        """Keys matching any alternative; the callbacks give the keys matching one term or one field filter
        (so a caller can index and cache them)."""
        chosen: set[int] = set()
        for alt in self.alternatives:
            keys = everything
            for name, wanted in alt.fields:
                keys = keys & field_keys(name, wanted, name in self.exact_fields)
            for term in alt.terms:
                keys = keys & term_keys(term)
            chosen |= keys
        return chosen

    def highlights(self, name: str) -> list[tuple[int, int]]:
        """Merged (start, end) spans of every name term that matches, for highlighting."""
        deadline = Deadline()
        spans = []
        try:
            for alt in self.alternatives:
                for term in alt.terms:
                    spans += term.spans(name, deadline)
        except TimeoutError:
            return []
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def parse_search(text: str | None, fields: Iterable[str], exact_fields: Iterable[str] = ()) -> SearchQuery:
    """Parse the search box; raises SearchError for unknown fields and unsafe or invalid regexes."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"The search is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}.")
    known = sorted(fields)
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if len(parts) > MAX_ALTERNATIVES:
        raise SearchError(f"The search has {len(parts)} alternatives; the limit is {MAX_ALTERNATIVES}.")
    alternatives = []
    for part in parts:
        terms, filters = [], []
        for word in part.split():
            if word.startswith("@"):
                name, sep, value = word[1:].partition(":")
                if not sep or not value:
                    raise SearchError(f"{word!r} is not a column filter; write @column:value, e.g. @license:mit.")
                if name.lower() not in known:
                    raise SearchError(f"There is no column {name!r} to filter with @.",
                                      hint=f"Filterable columns: {', '.join('@' + k for k in known)}.")
                filters.append((name.lower(), value.lower()))
            else:
                terms.append(Term.parse(word))
        alternatives.append(Alternative(tuple(terms), tuple(filters)))
    return SearchQuery(tuple(alternatives), frozenset(exact_fields))
