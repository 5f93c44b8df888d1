"""The board's search language: alternatives, @field filters, regexes, and the limits that keep it fast."""

from __future__ import annotations

import pytest

from podium.web.search import Deadline, SearchError, Term, field_matches, parse_search

FIELDS = ["license", "architecture", "precision", "type"]
NAMES = [(1, "meta-llama/Llama-2-7b-hf", "meta-llama/llama-2-7b-hf"), (2, "Qwen/Qwen2.5-7B", "qwen/qwen2.5-7b"),
         (3, "mistralai/Mistral-7B-v0.1", "mistralai/mistral-7b-v0.1"), (4, "google/gemma-2b", "google/gemma-2b")]
ROWS = {1: {"license": "llama2", "precision": "float16"}, 2: {"license": "apache-2.0", "precision": "bfloat16"},
        3: {"license": "apache-2.0", "precision": "bfloat16"}, 4: {"license": "gemma", "precision": "float32"}}


def select(text: str) -> set[int]:
    query = parse_search(text, FIELDS, exact_fields=["precision", "type"])

    def field_keys(name, wanted, exact):
        return {k for k, row in ROWS.items() if field_matches(row.get(name), wanted, exact)}

    return query.select(lambda term: term.select(NAMES), field_keys, set(ROWS))


def test_words_match_the_name_case_insensitively_and_all_must_hold():
    assert select("llama") == {1}
    assert select("QWEN 7b") == {2}
    assert select("7b gemma") == set()


def test_semicolons_separate_alternatives():
    assert select("llama; gemma") == {1, 4}
    assert select(" ; ;llama;") == {1}


def test_field_filters_combine_with_words():
    assert select("@license:apache-2.0") == {2, 3}
    assert select("@license:apache-2.0 mistral") == {3}
    assert select("@license:APACHE mistral; gemma") == {3, 4}


def test_exact_fields_compare_the_whole_value():
    assert select("@precision:float16") == {1}  # not bfloat16
    assert select("@license:apache") == {2, 3}  # substring for free-text columns


def test_regex_characters_make_a_regex():
    assert select("^qwen/.*7b$") == {2}
    assert select("llama|gemma") == {1, 4}
    assert select("qwen2.5") == {2}


def test_highlights_cover_every_matching_term():
    query = parse_search("llama 7b; hf", FIELDS)
    assert query.highlights("meta-llama/Llama-2-7b-hf") == [(5, 10), (11, 16), (19, 21), (22, 24)]


@pytest.mark.parametrize("text, phrase", [
    ("@foo:bar", "There is no column 'foo'"),
    ("@license", "write @column:value"),
    ("[unclosed", "not a valid regular expression"),
    ("(a+)+$", "repeats something that itself repeats"),
    ("(a|aa)*b", "repeats an alternation"),
    (r"(\w+)\1", "backreference"),
    ("a{1000}", "more than 100 times"),
    ("a*b*c*d*e*f*g*", "more than 6 repetitions"),
    ("x" * 301, "limit is 300"),
    ("a;" * 11, "limit is 10"),
    ("(" * 60 + ")" * 60 + ".", "longer than 100"),
])
def test_bad_or_dangerous_searches_are_refused_with_a_reason(text, phrase):
    with pytest.raises(SearchError) as err:
        parse_search(text, FIELDS)
    assert phrase in err.value.render()


def test_a_slow_scan_is_stopped_by_its_time_budget():
    """The budget ends the scan part-way and says so (how fast is for benchmarks, not tests)."""
    term = Term.parse(".*a.*b.*c.*d")
    scanned = []

    def names():
        for i in range(2000):
            scanned.append(i)
            yield i, "a" * 180, "a" * 180

    with pytest.raises(SearchError, match="took too long"):
        term.select(names(), Deadline(seconds=0.05))
    assert len(scanned) < 2000


def test_one_slow_match_is_stopped_inside_the_regex_engine():
    """A single name that would take the pattern hours is cut off by the engine's own timeout."""
    term = Term.parse(".*a.*b.*c.*d")
    with pytest.raises(SearchError, match="took too long"):
        term.select([(1, "a" * 20_000, "a" * 20_000)], Deadline(seconds=0.05))
