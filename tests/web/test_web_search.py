"""The board's search language: alternatives, @field filters, regexes, and the limits that keep it fast."""

from __future__ import annotations

import re

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
            yield i, "d" + "a" * 178 + "bc", "d" + "a" * 178 + "bc"  # every required letter, in the wrong order

    with pytest.raises(SearchError, match="took too long"):
        term.select(names(), Deadline(seconds=0.05))
    assert len(scanned) < 2000


def test_one_slow_match_is_stopped_inside_the_regex_engine():
    """A single name that would take the pattern hours is cut off by the engine's own timeout."""
    term = Term.parse(".*a.*b.*c.*d")
    with pytest.raises(SearchError, match="took too long"):
        term.select([(1, "d" + "a" * 20_000 + "bc", "d" + "a" * 20_000 + "bc")], Deadline(seconds=0.05))


# --- the check and the engine agree: a pattern means what Python's `re` says -----------------

SPELLINGS = ["meta-llama/Llama-2-7b-hf", "Qwen/Qwen2.5-7B", "abd", "ab", "abc{e<=1}", "a{,3}", "aaa", "x",
             "[:alpha:]]", ":", "a-b", "A_b c", "Ünïcode-7B", "v1.0", "end\n", "ß", "e<=1", "1", "(?r)", "gemma",
             "\u017ftar", "\u212aelvin-7b"]  # long s and the Kelvin sign: `re` matches them to s and k
AGREED = ["qwen2.5", "^qwen/.*7b$", "a{,3}", "a{2}", "x{0,}", r"\d+b", r"[^a-z\d]", r"\bqwen", "(?i:LLAMA)",
          "(?-i:Q)wen", "(?s)a.b", "(?m)^end$", r"(?a)\w+", r"\N{LATIN SMALL LETTER SHARP S}", r"\{e<=1\}",
          r"abc\{e<=1\}", r"[\[:]alpha", "a|b|", "(?#comment)gemma", "(?x)g e m m a", "[]a]", "[a-]b",
          "a*+b", "(?>ab|a)c", "a++", "x{1,2}+", "(?=qwen)q", "(?<=a)b", "(?<!l)a", "(?!x)..", r"\Aab\Z",
          r"(?P<name>gem)ma", r"st.r", r"^kel\w+-7B$", r"QWEN/qwen2\.5-7b", r"a.?b"]
# (the last four hold text a scan skips names without: `required_literals`, whatever the case)


def reference(pattern: str) -> list:
    """What Python's `re` finds: every name's first match span (None where it does not match)."""
    compiled = re.compile(pattern, re.IGNORECASE)
    return [(m.span() if (m := compiled.search(s)) else None) for s in SPELLINGS]


@pytest.mark.parametrize("pattern", AGREED)
def test_the_engine_matches_exactly_what_re_means(pattern):
    term = Term.parse(pattern)
    assert term.plain is None
    assert [(m.span() if (m := term.pattern.search(s)) else None) for s in SPELLINGS] == reference(pattern)
    assert term.select([(i, s, s.lower()) for i, s in enumerate(SPELLINGS)], Deadline(seconds=5)) == {
        i for i, span in enumerate(reference(pattern)) if span is not None}


@pytest.mark.parametrize("text, phrase", [
    ("abc{e<=1}", "fuzzy matching"),  # the regex module: up to one error; re: the literal text
    ("(llama){i<=2,d<=1}", "fuzzy matching"),
    ("(?:gemma){e}", "fuzzy matching"),
    ("a{1, 2}", "not a repeat count"),
    ("a{", "not a repeat count"),
    ("ab{}", "not a repeat count"),
    ("[[:alpha:]]+", "POSIX classes"),
    ("[[a-z]--[aeiou]]", "nested sets"),
    ("(?r)llama", "unknown extension ?r"),  # reverse searching
    ("(?V1)llama", "unknown extension ?V"),  # the regex module's version-1 syntax
    ("(?f)strasse", "unknown extension ?f"),  # full case folding
    ("(?b)(llama){e<=2}", "fuzzy matching"),  # best match
    ("(?e)x", "unknown extension ?e"),
    ("(?p)a|ab", "unknown extension ?p"),  # POSIX leftmost-longest
    ("(?w)x", "unknown extension ?w"),
    ("(?|(a)|(b))", "unknown extension"),  # branch reset
    ("(?<name>x)", "unknown extension"),
    ("(a)(?1)", "unknown extension"),  # recursion
    ("(?R)", "unknown extension ?R"),
    (r"\p{L}+", "bad escape \\p"),  # Unicode properties
    (r"\P{Lu}", "bad escape \\P"),
    (r"\mllama\M", "bad escape"),  # word start and end
    (r"llama\K", "bad escape"),
    (r"\X", "bad escape"),
    (r"\L<names>", "bad escape"),
    ("(?(DEFINE)a)", "unknown group name"),
    ("a(?i)b", "global flags not at the start"),
    ("(?<=a+)b", "look-behind requires fixed-width pattern"),
])
def test_regex_module_extensions_are_refused_with_a_reason(text, phrase):
    with pytest.raises(SearchError) as err:
        parse_search(text, FIELDS)
    assert phrase in err.value.render() and "Python's re syntax" in err.value.render()


def test_fuzzy_syntax_is_refused_and_an_escaped_brace_is_text():
    """Before the fix the check saw `{e<=1}` as text while the engine ran it fuzzily, matching 'abd'."""
    with pytest.raises(SearchError):
        Term.parse("abc{e<=1}")
    assert select(r"qwen\{e<=1\}") == set()
    assert Term.parse(r"abc\{e<=1\}").select([(1, "abc{e<=1}", "abc{e<=1}")]) == {1}
