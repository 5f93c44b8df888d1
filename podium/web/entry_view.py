"""A leaderboard entry as one viewer sees it (the rule is `podium.web.visibility`).

Provenance keeps everything needed to reproduce a score, with labels where this server's
folders were (`--output <output folder>`, the data folder, the model folder) for everyone
but operators. The data block is summarised for everyone: an openllm-v2 run reads about
12,500 files, and listing each with its SHA-256 made an entry weigh 1.3 MB. The summary
gives the count and one SHA-256 of the `sha256sum`-style manifest of every file; the
manifest itself is a download (`data_manifest`), so anyone can check the digest and, with
`sha256sum -c`, their own copy of the data.
"""

from __future__ import annotations

import hashlib
import shlex

from podium.web.visibility import RULE, Sight, deep_text_for, server_places, spec_of, task_visibility, text_for

# Flags of `podium eval` / `podium trace` whose value is a folder or file of this server.
PATH_FLAGS = {"--output": "<output folder>", "--data-dir": "<data folder>", "--json": "<output file>",
              "--config": "<config file>", "--db": "<database>"}
PUBLIC = RULE["anonymous"]


def data_files_url(entry_id: int) -> str:
    """Where the manifest of an entry's data files is downloaded (the API route of that name)."""
    return f"/api/entries/{entry_id}/data-files.sha256"


def data_manifest(files: dict[str, str]) -> str:
    """`<sha256>  <relative path>` per data file, sorted by path (the format `sha256sum -c` reads)."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(files.items()))


def data_summary(data: dict, download: str) -> dict:
    files = data.get("files") or {}
    summary = {k: v for k, v in data.items() if k != "files"}
    return {**summary, "files_count": len(files),
            "files_sha256": hashlib.sha256(data_manifest(files).encode()).hexdigest() if files else None,
            "files_download": download if files else None}


def public_command_line(line: str, model_id: str, model_path: str | None, places: list[tuple[str, str]]) -> str:
    """The command with folder values replaced by labels and the model folder by the model's id."""
    try:
        words = shlex.split(line)
    except ValueError:  # unbalanced quotes: show it redacted as plain text
        return text_for(line, PUBLIC, places)
    out = []
    for i, word in enumerate(words):
        flag, eq, value = word.partition("=")
        if eq and flag in PATH_FLAGS:
            out.append(f"{flag}={PATH_FLAGS[flag]}")
        elif i and words[i - 1] in PATH_FLAGS:
            out.append(PATH_FLAGS[words[i - 1]])
        elif model_path and word == model_path:
            out.append(model_id)
        else:
            out.append(text_for(word, PUBLIC, places))
    return shlex.join(out)


def provenance_view(provenance: dict, model_id: str, seen_by: Sight, download: str) -> dict:
    prov = {**provenance, "data": data_summary(provenance.get("data") or {}, download)}
    if seen_by.server_paths:
        return prov
    places = server_places()
    run, model = dict(prov.get("run") or {}), dict(prov.get("model") or {})
    if isinstance(run.get("command_line"), str):
        run["command_line"] = public_command_line(run["command_line"], model_id, model.get("path"), places)
    if isinstance(prov.get("reproduce"), str):
        prov["reproduce"] = public_command_line(prov["reproduce"], model_id, model.get("path"), places)
    if isinstance(model.get("path"), str) and model["path"].startswith("/"):
        model["path"] = model_id if model.get("source") in ("mirror", "hub") else "<model folder>"
    if prov["data"].get("dir"):
        prov["data"]["dir"] = "<data folder>"
    return deep_text_for({**prov, "run": run, "model": model}, seen_by, places)


def entry_view(detail: dict, seen_by: Sight, download: str) -> dict:
    """`entry_detail`'s record for this viewer: provenance and failure text by the rule, and each
    task's visibility (whether this viewer may browse its samples)."""
    places = server_places()
    job = detail.get("job")
    result = detail.get("result")
    if result:
        tasks = []
        for task in result["tasks"]:
            visibility = task_visibility(spec_of(detail["suite"], task["key"]), bool(task.get("private")))
            tasks.append({**task, "visibility": visibility, "private": visibility == "private",
                          "error": text_for(task.get("error"), seen_by, places)})
        result = {**result, "tasks": tasks}
    if job is not None:
        job = {**job, "error_message": text_for(job.get("error_message"), seen_by, places)}
    return {**detail, "result": result, "job": job,
            "provenance": provenance_view(detail.get("provenance") or {}, detail["model"], seen_by, download)}

