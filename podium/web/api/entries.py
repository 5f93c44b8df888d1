"""Entry API: a model's scores, provenance and metadata; its sample browser; comparisons."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from podium.platform.errors import NotFound
from podium.platform.models import Submission
from podium.web import samples
from podium.web.api.contract import TEXT, VALIDATION, errors
from podium.web.compare import compare_samples, compare_scores
from podium.web.deps import Caller, caller, db
from podium.web.entries import entry_detail, latest_result, suite_of
from podium.web.entry_view import data_files_url, data_manifest, entry_view
from podium.web.inputs import id_list
from podium.web.params import IdList, ObjectId, PageNo, PerPage, ShortText, TaskKey
from podium.web.visibility import may_see_samples, sight

router = APIRouter(prefix="/api", tags=["entries"], responses=VALIDATION)


@router.get("/entries/{entry_id}", summary="Scores with stderr and samples, provenance, metadata and status",
            responses=errors(404))
def get_entry(entry_id: ObjectId, session: Session = Depends(db), who: Caller = Depends(caller)) -> dict:
    detail = entry_detail(session, entry_id)
    return entry_view(detail, sight(who.actor, detail["submitter_id"]), data_files_url(entry_id))


@router.get("/entries/{entry_id}/data-files.sha256", response_class=Response, responses={**errors(404), 200: TEXT},
            summary="Every data file the evaluation read, with its SHA-256 (`sha256sum -c` format); "
                    "its own SHA-256 is the entry's `provenance.data.files_sha256`")
def data_files(entry_id: ObjectId, session: Session = Depends(db)) -> PlainTextResponse:
    result = latest_result(session, entry_id) if session.get(Submission, entry_id) else None
    if result is None:
        raise NotFound(f"Entry #{entry_id} does not exist or has no scores yet.")
    files = ((result.provenance or {}).get("data") or {}).get("files") or {}
    return PlainTextResponse(data_manifest(files), media_type="text/plain; charset=utf-8")


def _result_and_spec(session: Session, entry_id: int, task: str):
    sub = session.get(Submission, entry_id)
    result = latest_result(session, entry_id) if sub else None
    if result is None:
        raise NotFound(f"Entry #{entry_id} does not exist or has no scores yet.")
    suite = suite_of(sub.suite)
    spec = next((t for t in (suite.tasks if suite else ()) if t.key == task), None)
    if spec is None:
        raise NotFound(f"Entry #{entry_id} has no task {task!r}.")
    return result, spec


@router.get("/entries/{entry_id}/tasks", responses=errors(404),
            summary="Tasks with kept samples: each with its visibility and whether you may browse them")
def sample_tasks(entry_id: ObjectId, session: Session = Depends(db), who: Caller = Depends(caller)) -> dict:
    sub = session.get(Submission, entry_id)
    result = latest_result(session, entry_id) if sub else None
    if result is None:
        raise NotFound(f"Entry #{entry_id} does not exist or has no scores yet.")
    suite = suite_of(sub.suite)
    seen_by = sight(who.actor)
    return {key: {**files, "browsable": may_see_samples(files["visibility"], seen_by)}
            for key, files in samples.task_files(suite.tasks if suite else (), result).items()}


@router.get("/entries/{entry_id}/samples/{task}", responses=errors(403, 404),
            summary="Per-sample details of a task (gated and private tasks: operators only)")
def get_samples(entry_id: ObjectId, task: TaskKey, subtask: ShortText = "", q: ShortText = "",
                wrong: bool = False, page: PageNo = 1, per_page: PerPage = 20,
                session: Session = Depends(db), who: Caller = Depends(caller)) -> dict:
    result, spec = _result_and_spec(session, entry_id, task)
    files = samples.task_files((spec,), result).get(task)
    if not files:
        raise NotFound(f"The samples of {task} were not kept for this run.")
    samples.check_visible(files["visibility"], sight(who.actor))
    return samples.browse(result, spec, subtask or files["files"][0], q=q, wrong_only=wrong, page=page,
                          per_page=per_page)


@router.get("/compare", summary="2 to 4 entries side by side, per task, each with its paired difference from the first",
            description="Each entry after the first carries `paired`: the first entry's score minus its own "
            "(normalized points) on the same documents, with the paired standard error, 95% interval and p-value.",
            responses=errors(404))
def compare(ids: IdList,
            session: Session = Depends(db)) -> dict:
    return compare_scores(session, id_list(ids, "ids"))


@router.get("/compare/samples", summary="Per-sample answers of 2 to 4 entries on one task",
            responses=errors(403, 404))
def compare_by_sample(task: ShortText, ids: IdList, subtask: ShortText = "",
                      all: bool = False, page: PageNo = 1, session: Session = Depends(db),
                      who: Caller = Depends(caller)) -> dict:
    return compare_samples(session, id_list(ids, "ids"), task, subtask or None,
                           seen_by=sight(who.actor), disagree_only=not all, page=page)
