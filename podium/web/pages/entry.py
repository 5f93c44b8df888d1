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
from podium.web.inputs import InputError, id_list
from podium.web.notices import entry_notices
from podium.web.pages.render import page, redirect, safe_next, to_json
from podium.web.params import ObjectId

router = APIRouter(include_in_schema=False)


@router.get("/entries/{entry_id}")
def entry_page(request: Request, entry_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db)):
    detail = entry_detail(session, entry_id)
    sub = session.get(Submission, entry_id)
    result = latest_result(session, entry_id)
    suite = suite_of(sub.suite)
    files = samples.task_files(suite.tasks, result) if result and suite else {}
    operator = bool(who.actor and who.actor.is_operator)
    browsable = {k: v for k, v in files.items() if operator or not v["private"]}
    notices = entry_notices(state(request).config.data_notice, detail)
    return page(request, "entry.html", who, e=detail, files=files, operator=operator, notices=notices,
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
    # Samples compare where every entry was scored (a demo or partial run leaves tasks out).
    scored = [t["key"] for t in comparison["tasks"]
              if not t["private"] and all(v and v["raw"] is not None for v in t["values"])]
    return page(request, "compare.html", who, comparison=comparison, ids=",".join(map(str, chosen)),
                data=to_json({"ids": chosen, "tasks": scored,
                              "titles": {t["key"]: t["title"] for t in comparison["tasks"]},
                              "models": [e["model"] for e in comparison["entries"]]}))
