"""Privacy by construction: every API route and page, walked as each kind of viewer, shows only
what the visibility rule allows (no server path, stack trace, worker address, log tail or
gated/private question to those not allowed), and operators do see them all."""

from __future__ import annotations

import hashlib
import itertools
import re

import pytest

from podium.platform.identity import Actor
from podium.web.app import API_ROUTERS, PAGE_ROUTERS
from podium.web.visibility import RULE, SITE_ROOTS, may_see_samples, redact, role_of, sight, strip_traceback, text_for
from support.seeded import ADDRESS, DATA_FILES, GATED_Q, LOG_MARK, PRIVATE_Q, PUBLIC_Q, WORKER, Seeded, seed

ROLES = ("anonymous", "submitter", "owner", "operator")
TRACEBACK = "Traceback (most recent call last)"


@pytest.fixture
def seeded(tmp_path, monkeypatch) -> Seeded:
    return seed(tmp_path, monkeypatch)


# ---- the rule itself (pure) -------------------------------------------------------------------

def test_roles_follow_from_the_actor_and_the_owner():
    user, op = Actor(1, "u", "user"), Actor(2, "o", "operator")
    assert [role_of(None), role_of(user), role_of(user, owner_id=1), role_of(op, owner_id=1)] == \
        ["anonymous", "submitter", "owner", "operator"]
    assert sight(user, 1).log_tail and not sight(user, 1).server_paths and not sight(user, 2).log_tail
    assert [may_see_samples(v, RULE["owner"]) for v in ("public", "gated", "private")] == [True, False, False]
    assert all(may_see_samples(v, RULE["operator"]) for v in ("public", "gated", "private"))


def test_redaction_keeps_links_and_model_ids_but_not_folders_workers_or_addresses():
    text = (f"see /tracing and https://huggingface.co/org/name (org/name); weights at /data/m/org/x.bin, "
            f"{WORKER} at {ADDRESS}")
    out = redact(text, [("/data/m", "<model mirror>")])
    assert out == ("see /tracing and https://huggingface.co/org/name (org/name); weights at <model mirror>/org/x.bin, "
                   "<worker> at <address>")
    assert redact("read /srv/x/y.json", []) == "read <server path>"


def test_stack_traces_are_cut_to_what_went_wrong():
    log = 'ok\nTraceback (most recent call last):\n  File "/a/b.py", line 3, in f\n    g()\nValueError: bad'
    assert strip_traceback(log) == "ok\nValueError: bad"
    assert text_for(log, RULE["operator"]) == log
    assert TRACEBACK in text_for(log, RULE["owner"]) and "/a/b.py" not in text_for(log, RULE["owner"])


def test_the_site_roots_cover_every_route():
    firsts = {r.path.strip("/").split("/")[0].split(".svg")[0] for m in (*API_ROUTERS, *PAGE_ROUTERS)
              for r in m.router.routes}
    assert firsts - {""} <= set(SITE_ROOTS), firsts - set(SITE_ROOTS)


# ---- the walk ---------------------------------------------------------------------------------

def _values(s: Seeded) -> dict[str, list]:
    return {"entry_id": [*s.v2, s.ko, s.failed_entry], "job_id": s.jobs, "task": ["ifeval", "gpqa", "ko_hellaswag"],
            "suite": ["openllm-v2", "ko-h5"], "token_id": [s.spare_token_id], "username": ["alice", "nobody"]}


def _queries(s: Seeded, path: str) -> list[dict]:
    ids = f"{s.v2[0]},{s.v2[1]}"
    return {"/api/compare": [{"ids": ids}], "/compare": [{"ids": ids}],
            "/api/compare/samples": [{"ids": ids, "task": t} for t in ("ifeval", "gpqa")]}.get(path, [{}])


def _bodies(s: Seeded) -> dict[str, dict]:
    inside = str(s.models / "org" / "model")
    return {"/api/flags": {"model": inside, "reason": "walk"}, "/api/flags/resolve": {"model": inside},
            "/api/submissions": {"model": inside, "model_type": "pretrained", "precision": "float32"},
            "/api/tokens": {"name": "walk2"}, "/api/auth/signup": {"username": "walker", "password": "x" * 12},
            "/api/auth/login": {"username": "owner", "password": "wrong password"}}


def _urls(s: Seeded, path: str) -> list[tuple[str, dict]]:
    names = re.findall(r"{(\w+)}", path)
    values = _values(s)
    missing = [n for n in names if n not in values]
    assert not missing, f"the walk has no value for {missing} of {path}: add one to _values"
    out = []
    for combo in itertools.product(*(values[n] for n in names)):
        url = path
        for name, value in zip(names, combo):
            url = url.replace("{" + name + "}", str(value))
        out += [(url, q) for q in _queries(s, path)]
    return out


def _walk(s: Seeded) -> dict[str, list[tuple[str, int, str]]]:
    """Every GET route and page as each role, then every API write: role -> [(what, status, body)]."""
    client = s.web.client
    doc = client.get("/openapi.json").json()
    gets = sorted({r.path for m in (*API_ROUTERS, *PAGE_ROUTERS) for r in m.router.routes if "GET" in r.methods})
    seen: dict[str, list] = {role: [] for role in ROLES}
    for role, path in itertools.product(ROLES, gets):
        for url, query in _urls(s, path):
            response = client.get(url, params=query, headers=s.headers(role), follow_redirects=False)
            seen[role].append((f"GET {url} {query}", response.status_code, response.text))
    writes = [(path, method) for path, ops in doc["paths"].items() for method in ops if method != "get"]
    for role, (path, method) in itertools.product(("anonymous", "submitter", "owner"), writes):
        for url, query in _urls(s, path)[:1]:
            response = client.request(method.upper(), url, params=query, json=_bodies(s).get(path),
                                      headers=s.headers(role))
            seen[role].append((f"{method.upper()} {url}", response.status_code, response.text))
    return seen


def _leaks(seen: list[tuple[str, int, str]], secrets: list[str]) -> list[str]:
    return [f"{what} ({status}) shows {secret!r}"
            for what, status, body in seen for secret in secrets if secret in body]


def test_every_route_as_every_role_shows_only_what_the_rule_allows(seeded):
    seen = _walk(seeded)
    paths = seeded.server_paths()
    hidden_from_all = [*paths, WORKER, ADDRESS.split(":")[0], GATED_Q, PRIVATE_Q]
    for role in ("anonymous", "submitter"):
        assert not _leaks(seen[role], [*hidden_from_all, TRACEBACK, LOG_MARK])
    assert not _leaks(seen["owner"], hidden_from_all)
    owner_sees = "\n".join(body for _, _, body in seen["owner"])
    assert LOG_MARK in owner_sees and TRACEBACK in owner_sees  # their own job's log, with labels for folders
    operator_sees = "\n".join(body for _, _, body in seen["operator"])
    for secret in (str(seeded.models), str(seeded.data), WORKER, TRACEBACK, LOG_MARK, GATED_Q, PRIVATE_Q, PUBLIC_Q):
        assert secret in operator_sees, secret
    assert PUBLIC_Q in "\n".join(body for _, _, body in seen["anonymous"])
    assert not [what for role in ROLES for what, status, _ in seen[role] if status >= 500]


# ---- gated tasks ------------------------------------------------------------------------------

def test_gpqa_is_gated_its_scores_public_its_questions_for_operators_only(seeded):
    client, entry = seeded.web.client, seeded.v2[0]
    board = next(b for b in client.get("/api/boards").json() if b["name"] == "openllm-v2")
    assert next(t for t in board["tasks"] if t["key"] == "gpqa")["visibility"] == "gated"
    for role in ("anonymous", "submitter", "owner"):
        detail = client.get(f"/api/entries/{entry}", headers=seeded.headers(role)).json()
        gpqa = next(t for t in detail["result"]["tasks"] if t["key"] == "gpqa")
        assert gpqa["visibility"] == "gated" and gpqa["normalized"] is not None
        refused = client.get(f"/api/entries/{entry}/samples/gpqa", headers=seeded.headers(role))
        assert refused.status_code == 403 and "gated" in refused.json()["error"]["message"]
        tasks = client.get(f"/api/entries/{entry}/tasks", headers=seeded.headers(role)).json()
        assert tasks["gpqa"]["browsable"] is False and tasks["ifeval"]["browsable"] is True
        compared = client.get("/api/compare/samples", params={"ids": f"{entry},{seeded.v2[1]}", "task": "gpqa"},
                              headers=seeded.headers(role))
        assert compared.status_code == 403
        page = client.get(f"/entries/{entry}", headers=seeded.headers(role)).text
        assert "GPQA (0-shot)" in page and GATED_Q not in page
    shown = client.get(f"/api/entries/{entry}/samples/gpqa", headers=seeded.headers("operator")).json()
    assert shown["total"] == 3 and GATED_Q in shown["samples"][0]["prompt"]


# ---- jobs -------------------------------------------------------------------------------------

def test_failed_jobs_show_the_log_tail_to_their_submitter_and_operators_only(seeded):
    client, job = seeded.web.client, seeded.failed_job
    views = {role: client.get(f"/api/jobs/{job}", headers=seeded.headers(role)).json() for role in ROLES}
    for role in ("anonymous", "submitter"):
        assert views[role]["log_tail"] is None and views[role]["worker"] is None
        assert views[role]["error_message"] == ("The evaluation crashed: OSError: Unable to load weights from "
                                                "<model mirror>/org/broken/model.safetensors\nOSError: unreadable")
        failed = client.get("/api/queue", headers=seeded.headers(role)).json()["failed"]
        assert [j["log_tail"] for j in failed] == [None]
    assert views["owner"]["log_tail"].startswith(f"{LOG_MARK} loading <model mirror>/org/broken\n{TRACEBACK}")
    assert "<worker> via <address>" in views["owner"]["log_tail"]
    assert views["operator"]["worker"] == WORKER and str(seeded.models) in views["operator"]["log_tail"]


# ---- provenance -------------------------------------------------------------------------------

def test_public_provenance_has_labels_for_folders_and_a_summary_of_the_data(seeded):
    client, entry = seeded.web.client, seeded.v2[0]
    detail = client.get(f"/api/entries/{entry}").json()
    prov, model = detail["provenance"], detail["model"]
    assert prov["run"]["command_line"] == (f"podium eval --model {model} --suite openllm-v2 "
                                           "--output '<output folder>' --data-dir '<data folder>'")
    assert prov["model"]["path"] == model and prov["data"]["dir"] == "<data folder>"
    assert "files" not in prov["data"] and prov["data"]["files_count"] == DATA_FILES
    manifest = client.get(prov["data"]["files_download"])
    assert manifest.status_code == 200 and len(manifest.text.splitlines()) == DATA_FILES
    assert hashlib.sha256(manifest.content).hexdigest() == prov["data"]["files_sha256"]
    operator = client.get(f"/api/entries/{entry}", headers=seeded.headers("operator")).json()["provenance"]
    assert str(seeded.data) in operator["run"]["command_line"] and operator["data"]["dir"] == str(seeded.data)
    # the reproduce line names the recorded device, batch size and data folder (a label to the public)
    assert "--device cpu --batch-size 1 --data-dir '<data folder>'" in prov["reproduce"]
    assert f"--data-dir {seeded.data}" in operator["reproduce"] and str(seeded.data) not in prov["reproduce"]


@pytest.mark.parametrize("role", ROLES)
def test_an_entry_with_12500_data_files_stays_under_100_kb(seeded, role):
    entry = seeded.v2[0]
    for url in (f"/api/entries/{entry}", f"/entries/{entry}"):
        size = len(seeded.web.client.get(url, headers=seeded.headers(role)).content)
        assert size < 100_000, f"{url} as {role}: {size} bytes"


# ---- flags: permission before the path -----------------------------------------------------------

def test_flagging_checks_permission_before_looking_at_the_path(seeded):
    client = seeded.web.client
    answers = [client.post("/api/flags", json={"model": model, "reason": "r"}, headers=seeded.headers("submitter"))
               for model in (str(seeded.models / "org" / "model"), "/etc/passwd")]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json() == answers[1].json()
    blank = client.post("/api/flags", json={"model": "org/model", "reason": "  "}, headers=seeded.headers("operator"))
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "reason"
