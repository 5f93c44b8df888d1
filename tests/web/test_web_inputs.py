"""Allowlists for user input, password hashing, session cookie checks and CSRF tokens."""

from __future__ import annotations

import pytest

from podium.web import inputs
from podium.web.auth.passwords import hash_password, password_problem, verify_password
from podium.web.auth.sessions import Signer, new_session_token, same_text, well_formed
from podium.web.inputs import InputError


@pytest.mark.parametrize("good", ["EleutherAI/pythia-160m", "org/name.v2", "a/b", "Org_1/x-y_z.1"])
def test_hub_ids_that_huggingface_accepts_pass(good):
    assert inputs.model_id(good) == good


@pytest.mark.parametrize("bad", ["noslash", "../etc/passwd", "org/../x", "-org/x", "org/-x", ".org/x", "org/x.git",
                                 "org/a--b", "org/na me", "org/ünï", "org/" + "x" * 97, "a/b/c", "", "org/",
                                 "/abs/path"])
def test_malformed_model_ids_are_refused(bad):
    with pytest.raises(InputError) as err:
        inputs.model_id(bad)
    assert err.value.field == "model"


@pytest.mark.parametrize("good", ["main", "v1.0", "refs/pr/1", "a" * 40, "feature/x-y_z"])
def test_revisions_that_look_like_git_refs_pass(good):
    assert inputs.revision(good) == good


@pytest.mark.parametrize("bad", ["../x", "-rf", "a..b", "x" * 129, "main branch", "/main", "a//b", "ma\x00in", "ré"])
def test_malformed_revisions_are_refused(bad):
    with pytest.raises(InputError):
        inputs.revision(bad)


def test_paths_only_from_operators_and_only_inside_the_models_root(tmp_path, monkeypatch):
    root = tmp_path / "models"
    (root / "org" / "m").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "org" / "escape").symlink_to(outside)
    monkeypatch.setenv("PODIUM_MODELS_ROOT", str(root))
    inside = str(root / "org" / "m")
    assert inputs.model_or_path(inside, is_operator=True) == inside
    with pytest.raises(InputError, match="operators only"):
        inputs.model_or_path(inside, is_operator=False)
    for escaping in (str(outside), str(root / "org" / "escape"), str(root / ".." / "outside")):
        with pytest.raises(InputError, match="inside the models root"):
            inputs.model_or_path(escaping, is_operator=True)
    with pytest.raises(InputError, match="points outside the models root"):
        inputs.model_or_path("org/escape", is_operator=False)


def test_id_lists_are_bounded_positive_integers():
    assert inputs.id_list("3, 5,3,8", "pins") == [3, 5, 8]
    for bad in ("1,-2", "1,x", "9" * 13, ",".join(["1"] * 21)):
        with pytest.raises(InputError):
            inputs.id_list(bad, "pins")


def test_passwords_are_salted_scrypt_hashes():
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$16384$8$1$") and "correct" not in stored
    assert stored != hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("wrong horse battery", stored)
    assert not verify_password("x", "not-a-hash") and not verify_password("x", None)
    assert password_problem("short") and password_problem("x" * 1025) and password_problem("long enough!") is None


def test_only_cookies_we_could_have_issued_are_looked_at():
    assert well_formed(new_session_token())
    for bad in (None, "", "short", "a.\xe9", "\xe9" * 20, "x" * 65, "spaces are not ok here", "a;b=c" * 5):
        assert not well_formed(bad)
    assert same_text("abc", "abc") and not same_text("abc", "abd")
    assert not same_text("\xe9t\xe9", "\xe9t\xe9") and not same_text(None, "x") and not same_text("", "")


def test_csrf_tokens_are_bound_to_the_visitor_cookie_and_the_session():
    signer = Signer(b"k" * 32)
    visitor, session = "cookie-one-aaaaaaaaaa", new_session_token()
    token = signer.csrf_token(visitor, session)
    assert signer.check_csrf(visitor, session, token)
    assert not signer.check_csrf("cookie-two-aaaaaaaaaa", session, token)
    assert not signer.check_csrf(visitor, new_session_token(), token)  # another session
    assert not signer.check_csrf(visitor, None, token)  # signed out
    assert signer.check_csrf(visitor, None, signer.csrf_token(visitor, None))  # the sign-in form's token
    assert not signer.check_csrf(None, session, token) and not signer.check_csrf(visitor, session, None)
    assert not signer.check_csrf(visitor, session, "\xe9" * 64)


