"""The re-run: the recorded settings, every document's prompt built as before, the model asked
only about the sampled documents.

`SelectedLM` wraps the backend the original run used. lm-eval builds the requests of every
document up to the recorded limit in the original order (so each keeps its few-shot
examples); the wrapper sends the sampled documents' requests to the model in one call per
request type, as lm-eval would, and answers the others with placeholders that are never read.
"""

from __future__ import annotations

from dataclasses import dataclass

from lm_eval.api.model import LM

from podium import paths
from podium.eval import weights as overlays
from podium.eval.details import sample_row
from podium.eval.kinds.lm_eval import build_lm, data_plan, evaluate_task, run_groups, task_manager
from podium.eval.runner import EvalRequest
from podium.eval.scoring import leaf_tasks
from podium.eval.verify.plan import Plan
from podium.settings import set_library_switches

PLACEHOLDERS = {"loglikelihood": (0.0, False), "loglikelihood_rolling": 0.0, "generate_until": ""}


class SelectedLM(LM):
    """An lm-eval model that computes only the chosen documents' requests."""

    def __init__(self, inner: LM, chosen: dict[str, set[int]]):
        super().__init__()
        self.inner, self.chosen = inner, chosen

    def _answer(self, method: str, requests: list) -> list:
        picked = [i for i, r in enumerate(requests) if r.doc_id in self.chosen.get(r.task_name, ())]
        answers = getattr(self.inner, method)([requests[i] for i in picked]) if picked else []
        out = [PLACEHOLDERS[method]] * len(requests)
        for i, answer in zip(picked, answers, strict=True):
            out[i] = answer
        return out

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        return self._answer("loglikelihood", requests)

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        return self._answer("loglikelihood_rolling", requests)

    def generate_until(self, requests, disable_tqdm: bool = False):
        return self._answer("generate_until", requests)

    @property
    def rank(self) -> int:
        return self.inner.rank

    @property
    def world_size(self) -> int:
        return self.inner.world_size

    @property
    def device(self):
        return self.inner.device

    @property
    def tokenizer_name(self) -> str:
        return self.inner.tokenizer_name

    def apply_chat_template(self, chat_history, add_generation_prompt: bool = True):
        return self.inner.apply_chat_template(chat_history, add_generation_prompt)

    def chat_template(self, chat_template=False):
        return self.inner.chat_template(chat_template)

    def __getattr__(self, name: str):  # get_model_info, batch_sizes, ... of the wrapped backend
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


@dataclass(frozen=True)
class Rerun:
    rows: dict[str, list[dict]]
    """lm-eval task -> the re-run details rows of its sampled documents."""
    configs: dict[str, dict]
    """lm-eval's resolved config of every task re-run."""
    data_files: dict[str, str]
    """sha256 of every data file the re-run read."""


def request_of(plan: Plan) -> EvalRequest:
    """The recorded settings as a request (the model is `plan.ref`, already found and checked)."""
    model, run = plan.record.provenance.model, plan.record.provenance.run
    overlay = model.weights or {}
    base = overlay.get("base") or {}
    return EvalRequest(model=plan.ref.name, output=plan.options.result_dir, suite=plan.record.suite,
                       revision=model.revision, limit=run.limit, backend=run.backend, device=run.device,
                       dtype=run.dtype, batch_size=run.batch_size, chat_template=model.chat_template,
                       data_dir=plan.data, gen_kwargs=dict(run.gen_kwargs) if run.gen_kwargs else None,
                       weights=overlay.get("kind", "original"), base_model=base.get("id"),
                       base_revision=base.get("revision") if base.get("source") == "hub" else base.get("content_hash"),
                       quantization=run.quantization)


def rerun(plan: Plan) -> Rerun:
    """Evaluate the sampled documents again, each lm-eval task (or group) as the original run did."""
    from podium.engine import devices

    req = request_of(plan)
    specs = [s for s in plan.suite.tasks if s.key in plan.record.tasks and plan.record.tasks[s.key].ok]
    group_subtasks = plan.lm_eval.get("group_subtasks") or {}
    runs = [(name, shots, members) for name, shots, members in run_groups(specs)
            if any(leaf in plan.chosen for leaf in leaf_tasks(name, group_subtasks))]
    overlays.check_quantization(req.quantization, req.device, plan.ref.load_path)
    rows: dict[str, list[dict]] = {}
    configs: dict[str, dict] = {}
    sources = data_plan(specs, req, plan.data)
    run_device = devices.resolve(req.device, req.dtype, req.gpus, checkpoint=lambda: req.dtype)
    with overlays.applied(plan.ref, weights=req.weights, base_model=req.base_model, base_revision=req.base_revision,
                          dtype=req.dtype) as (load_ref, _):
        set_library_switches(nltk_data=paths.nltk_data_dir(), hub_offline=load_ref.is_local and not sources.needs_hub)
        lm = SelectedLM(build_lm(req, load_ref, run_device), {task: set(ids) for task, ids in plan.chosen.items()})
        manager = task_manager()
        for name, shots, members in runs:
            with sources.serving(members):
                out = evaluate_task(lm, name, shots, req, manager)
            configs.update(out.get("configs") or {})
            for task, samples in (out.get("samples") or {}).items():
                wanted = set(plan.chosen.get(task, ()))
                rows[task] = [sample_row(s) for s in samples if int(s["doc_id"]) in wanted]
    return Rerun(rows, configs, dict(sources.block()["files"]))
