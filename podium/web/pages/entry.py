"""Model pages (scores, provenance, samples, flags) and the compare page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session

from podium.platform.identity import Actor
from podium.platform.models import Submission
from podium.web import actions, samples
from podium.web.compare import compare_scores
from podium.web.deps import Caller, caller, db, require_user, state
from podium.web.entries import entry_detail, latest_result, suite_of
from podium.web.entry_view import data_files_url, entry_view
from podium.web.inputs import InputError, id_list
from podium.web.notices import entry_notices
from podium.web.pages.render import page, redirect, safe_next, to_json
from podium.web.params import ObjectId
from podium.web.visibility import may_see_samples, sight, spec_of, task_visibility

router = APIRouter(include_in_schema=False)


@router.get("/entries/{entry_id}")
def entry_page(request: Request, entry_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db)):
    detail = entry_detail(session, entry_id)
    seen_by = sight(who.actor, detail["submitter_id"])
    sub = session.get(Submission, entry_id)
    result = latest_result(session, entry_id)
    suite = suite_of(sub.suite)
    files = samples.task_files(suite.tasks, result) if result and suite else {}
    browsable = {k: v for k, v in files.items() if may_see_samples(v["visibility"], seen_by)}
    hidden = [v["title"] for k, v in files.items() if k not in browsable]
    notices = entry_notices(state(request).config.data_notice, detail)
    return page(request, "entry.html", who, e=entry_view(detail, seen_by, data_files_url(entry_id)), hidden=hidden,
                operator=seen_by.role == "operator", notices=notices,
                samples_data=to_json({"entry": entry_id, "tasks": browsable}))


@router.post("/entries/{entry_id}/vote")
def vote(request: Request, entry_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db),
         back: str = Form("/queue", max_length=200)):
    actions.vote(session, entry_id, actor, state(request).guard)
    return redirect(safe_next(back))


def _repo_of(session: Session, entry_id: int) -> str:
    sub = session.get(Submission, entry_id)
    if sub is None:
        raise InputError("entry", f"There is no entry #{entry_id}.")
    return sub.model.repo_id


@router.post("/entries/{entry_id}/flag")
def flag(request: Request, entry_id: ObjectId, reason: str = Form(max_length=2000),
         evidence_url: str = Form("", max_length=500), actor: Actor = Depends(require_user),
         session: Session = Depends(db)):
    actions.flag(session, _repo_of(session, entry_id), reason, evidence_url, actor)
    state(request).boards.invalidate()
    return redirect(f"/entries/{entry_id}#flags")


@router.post("/entries/{entry_id}/unflag")
def unflag(request: Request, entry_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)):
    actions.unflag(session, _repo_of(session, entry_id), actor)
    state(request).boards.invalidate()
    return redirect(f"/entries/{entry_id}#flags")


@router.post("/entries/{entry_id}/pick")
def pick(request: Request, entry_id: ObjectId, reason: str = Form(max_length=2000),
         actor: Actor = Depends(require_user), session: Session = Depends(db)):
    actions.pick(session, _repo_of(session, entry_id), reason, actor)
    state(request).boards.invalidate()
    return redirect(f"/entries/{entry_id}#pick")


@router.post("/entries/{entry_id}/unpick")
def unpick(request: Request, entry_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)):
    actions.unpick(session, _repo_of(session, entry_id), actor)
    state(request).boards.invalidate()
    return redirect(f"/entries/{entry_id}#pick")


@router.get("/compare")
def compare_page(request: Request, ids: str = Query("", max_length=100), who: Caller = Depends(caller),
                 session: Session = Depends(db)):
    chosen = id_list(ids, "ids")
    if len(chosen) < 2:
        return page(request, "compare.html", who, comparison=None, ids=ids, data=to_json(None))
    comparison = compare_scores(session, chosen)
    seen_by = sight(who.actor)
    suites = [e["suite"] for e in comparison["entries"]]
    # Samples compare where every entry was scored (a demo or partial run leaves tasks out).
    browsable = [t["key"] for t in comparison["tasks"]
                 if all(v and v["raw"] is not None for v in t["values"])
                 and all(may_see_samples(task_visibility(spec_of(s, t["key"]), bool(t["private"])), seen_by)
                         for s in suites)]
    return page(request, "compare.html", who, comparison=comparison, ids=",".join(map(str, chosen)),
                data=to_json({"ids": chosen, "tasks": browsable,
                              "titles": {t["key"]: t["title"] for t in comparison["tasks"]},
                              "models": [e["model"] for e in comparison["entries"]]}))
