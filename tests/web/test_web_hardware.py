"""Through the JSON API: a quantized submission no worker can run is refused (422, rule and
reason, never a 5xx), and once a capable GPU worker has registered it is queued with its GPU count."""

from __future__ import annotations

from podium.platform.capacity import Capabilities
from podium.platform.db import transaction
from podium.platform.workers import advertise
from support.web import add_user, make_web, sign_in


def test_quantized_submission_needs_a_registered_gpu_worker(tmp_path, demo_models):
    web = make_web(tmp_path, accepted_precisions=["float32", "4bit"])
    add_user(web.factory, "quinn")
    csrf = sign_in(web.client, "quinn")
    body = {"model": "podium-demo/gpt2-tiny", "model_type": "pretrained", "precision": "4bit", "suite": "openllm-v1"}
    refused = web.client.post("/api/submissions", json=body, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["rule"] == "hardware" and "This leaderboard has no GPU worker for 4bit" in error["message"]
    with transaction(web.factory) as session:
        advertise(session, "gpu-host:1", Capabilities("cuda", 1, 80.0, "H100", ("4bit",)))
    queued = web.client.post("/api/submissions", json=body, headers={"X-CSRF-Token": csrf})
    assert queued.status_code == 201, queued.text
    assert queued.json()["gpus"] == 1
    pending = web.client.get("/api/queue").json()["pending"]
    assert [(j["precision"], j["gpus"]) for j in pending] == [("4bit", 1)]
