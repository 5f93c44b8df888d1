"""A web app seeded with everything that must not leak, and a token for each kind of viewer.

Entries (submitted by `owner`): two finished openllm-v2 results whose provenance names this
server's folders and lists 12,500 data files, with kept samples of a public task (IFEval) and
a gated one (GPQA); a ko-h5 result with samples of a private task (Ko-HellaSwag); a failed
job whose message and log tail hold a traceback, server paths, a worker name and a cluster
address. Marker strings in each say which secret a response carried.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from podium.eval.details import write_details
from podium.eval.suites import SUITES
from podium.platform.db import transaction
from podium.platform.identity import Actor
from podium.platform.models import Job, Result, User
from podium.record import BaseCheck, DataProvenance
from podium.web.auth import tokens
from support.records import provenance
from support.web import Web, add_user, make_web
from workshop.synthetic import add_entries

PUBLIC_Q, GATED_Q, PRIVATE_Q, LOG_MARK = "PUBLIC-QUESTION", "GATED-QUESTION", "PRIVATE-QUESTION", "LOG-TAIL-MARKER"
WORKER, ADDRESS = "gpu-node-7:4242:abcdef", "10.1.2.3:6379"
DATA_FILES = 12_500


@dataclass
class Seeded:
    web: Web
    home: Path
    models: Path
    data: Path
    tokens: dict[str, str | None]  # role -> bearer token (None: anonymous)
    spare_token_id: int
    v2: list[int]
    ko: int
    failed_entry: int
    failed_job: int
    jobs: list[int]

    def headers(self, role: str) -> dict:
        token = self.tokens[role]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def server_paths(self) -> list[str]:
        return [str(self.home), str(self.models), str(self.data), "/opt/conda", "site-packages", "/srv/cluster"]


def _sample(doc_id: int, text: str) -> dict:
    question = f"{text} #{doc_id}: which answer?"
    return {"doc_id": doc_id, "arguments": [(question, " A"), (question, " B")],
            "resps": [[(-1.0, True)], [(-2.0, False)]],
            "target": doc_id % 2, "metrics": ["acc_norm"], "acc_norm": float(doc_id % 2 == 0),
            "filter": "none", "doc": {}}


def _provenance(home: Path, models: Path, data: Path, job: int) -> dict:
    files = {f"gpqa/part-{i:05d}.parquet": hashlib.sha256(str(i).encode()).hexdigest() for i in range(DATA_FILES)}
    base = provenance("org/model", base_check=BaseCheck(
        status="unchecked", declared_base="org/base",
        reason=f"the check failed: FileNotFoundError: {home}/runs/job-{job}/check.json"))
    return replace(
        base, versions={"lm_eval": "0.4.13", "podium": "0.1.0"},
        run=replace(base.run, command_line=f"podium eval --model {models}/org/model --suite openllm-v2 "
                                           f"--output {home}/runs/job-{job}/out --data-dir {data}"),
        data=DataProvenance(mode="offline", dir=str(data), files=files, differences={}),
        model=replace(base.model, path=f"{models}/org/model", content_hash="ab" * 20),
    ).to_json()


def seed(tmp_path: Path, monkeypatch) -> Seeded:
    home, data = tmp_path / "home", tmp_path / "data"
    models = home / "models"
    for folder in (models, data):
        folder.mkdir(parents=True)
    monkeypatch.setenv("PODIUM_HOME", str(home))
    monkeypatch.setenv("PODIUM_MODELS_ROOT", str(models))
    monkeypatch.setenv("PODIUM_DATA_DIR", str(data))
    web = make_web(tmp_path)
    owner = add_user(web.factory, "owner")
    for name, role in (("visitor", "user"), ("op", "operator")):
        add_user(web.factory, name, role)
    details = home / "results"
    write_details({"leaderboard_ifeval": [_sample(i, PUBLIC_Q) for i in range(3)],
                   "leaderboard_gpqa": [_sample(i, GATED_Q) for i in range(3)]}, details / "v2" / "details")
    write_details({"ko_hellaswag": [_sample(i, PRIVATE_Q) for i in range(3)],
                   "ko_commongen_v2": [_sample(i, PUBLIC_Q) for i in range(3)]}, details / "ko" / "details")
    with transaction(web.factory) as session:
        v2 = add_entries(session, SUITES["openllm-v2"], 2, seed=11, submitter_id=owner)
        [ko] = add_entries(session, SUITES["ko-h5"], 1, seed=12, submitter_id=owner)
        [failed] = add_entries(session, SUITES["openllm-v1"], 1, seed=13, submitter_id=owner)
        for entry in v2:
            result = session.query(Result).filter_by(submission_id=entry).one()
            result.details_path, result.provenance = str(details / "v2"), _provenance(home, models, data, result.job_id)
        session.query(Result).filter_by(submission_id=ko).one().details_path = str(details / "ko")
        session.query(Result).filter_by(submission_id=failed).delete()
        job = session.query(Job).filter_by(submission_id=failed).one()
        job.state, job.error_class, job.lease_owner = "failed", "crashed", WORKER
        job.error_message = (f"The evaluation crashed: OSError: Unable to load weights from "
                             f"{models}/org/broken/model.safetensors\n"
                             'Traceback (most recent call last):\n  File "/srv/cluster/app/run.py", line 7, in main\n'
                             "    load()\nOSError: unreadable")
        job.log_tail = (f"{LOG_MARK} loading {models}/org/broken\nTraceback (most recent call last):\n"
                        '  File "/opt/conda/lib/python3.11/site-packages/transformers/modeling_utils.py", '
                        'line 3, in load\n'
                        "    raise OSError(path)\n"
                        f"OSError: Unable to load weights from {models}/org/broken/model.safetensors "
                        f"on {WORKER} via {ADDRESS}")
        failed_job = job.id
        jobs = [j for (j,) in session.query(Job.id).order_by(Job.id)]
    issued: dict[str, str | None] = {"anonymous": None}
    with transaction(web.factory) as session:
        for role, name in (("submitter", "visitor"), ("owner", "owner"), ("operator", "op")):
            user = session.query(User).filter_by(username=name).one()
            issued[role] = tokens.create_token(session, Actor.of(user), "walk")[1]
        spare = tokens.create_token(session, Actor.of(session.query(User).filter_by(username="op").one()),
                                    "spare")[0].id
    return Seeded(web, home, models, data, issued, spare, v2, ko, failed, failed_job, jobs)
