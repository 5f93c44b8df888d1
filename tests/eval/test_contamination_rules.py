"""The contamination signal's pure rules: sampling, halves, reproduction, the flag, and the record."""

from __future__ import annotations

from podium.eval import contamination as rules
from podium.record import ContaminationSignal, TaskScore


def test_sample_is_seeded_ordered_and_bounded():
    assert rules.sample(1000, 50) == rules.sample(1000, 50)
    assert rules.sample(1000, 50) == sorted(rules.sample(1000, 50)) and len(rules.sample(1000, 50)) == 50
    assert rules.sample(3, 50) == [0, 1, 2]


def test_halves_keep_the_first_half_verbatim_and_skip_short_items():
    context, rest = rules.halves("Question: Tom reads 5 pages\na day for 3 days.")
    assert context == "Question: Tom reads 5 pages"
    assert rest == ["a", "day", "for", "3", "days."]
    assert rules.halves("Is the sky blue?") is None


def test_reproduction_needs_the_first_words_verbatim():
    rest = "a day for 3 days. How many pages does he read?".split()
    assert rules.reproduces(" a day for 3 days. How many pages and more", rest)
    assert not rules.reproduces(" a day for 4 days. How many pages does he read?", rest)
    assert rules.reproduces(" a  day\nfor 3", rest[:4])


def test_a_clearly_more_familiar_test_set_is_flagged_and_a_similar_one_is_not():
    ref = [-1.2, -1.0, -1.1, -0.9, -1.3, -1.05]
    memorised = rules.score([-0.1, -0.15, -0.05, -0.12], ref, "train", [False] * 4)
    assert memorised.flagged and memorised.gap > rules.GAP_MIN and memorised.gap_z > rules.GAP_Z_MIN
    similar = rules.score([-1.0, -1.2, -1.1, -0.95], ref, "train", [False] * 4)
    assert not similar.flagged
    # a large gap over two noisy items is not enough
    assert not rules.score([-0.2, -1.4], ref, "train", []).flagged


def test_reproduction_alone_flags():
    ref = [-1.0, -1.1]
    signal = rules.score([-1.0, -1.1, -1.05], ref, "dev", [True, False, False])
    assert signal.flagged and signal.reproduction_rate == 1 / 3
    assert not rules.score([-1.0, -1.1], ref, "dev", [True]).flagged  # one item is too few to flag on
    assert not rules.score([-1.0], [], None, [False, False]).flagged


def test_no_reference_split_still_measures_reproduction():
    signal = rules.score([-1.0, -1.2], [], None, [False, False])
    assert signal.gap is None and signal.reference_split is None and signal.reproduction_items == 2
    assert "not flagged" in rules.summary(signal) and "0/2 questions reproduced" in rules.summary(signal)


def test_the_signal_travels_with_the_task_score_and_old_scores_load():
    signal = rules.score([-0.1, -0.12, -0.2], [-1.0, -1.1, -0.9], "train", [True, True, False])
    score = TaskScore("gsm8k", "GSM8K", "exact_match", 0.1, 10.0, 0.01, 3, 0.0, contamination=signal)
    back = TaskScore.from_json(score.to_json())
    assert back == score and isinstance(back.contamination, ContaminationSignal)
    old = {k: v for k, v in score.to_json().items() if k != "contamination"}
    assert TaskScore.from_json(old).contamination is None
