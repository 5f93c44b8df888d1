"""The Workers page and /api/workers: counts, GPUs, queue wait and throughput for everyone;
hosts, worker and node ids and the Ray dashboard address for operators only."""

from __future__ import annotations

from podium.platform import fleet
from podium.platform.capacity import Capabilities
from podium.platform.db import transaction
from podium.platform.executors.ray_cluster import RayNode
from podium.platform.workers import advertise
from support.web import add_user, make_web, sign_in

DASHBOARD = "http://10.9.8.7:8265"
NODE = RayNode("f" * 56, "10.9.8.6", True, False, {"GPU": 2.0, "podium_gpu_memory": 1.0})


def test_workers_show_counts_to_everyone_and_addresses_to_operators(tmp_path, demo_models):
    web = make_web(tmp_path)
    with transaction(web.factory) as session:
        advertise(session, "gpu-host-17:42:abc", Capabilities("cuda", 1, 80.0, "H100", ("4bit",)))
        fleet.record_nodes(session, DASHBOARD, [NODE], {NODE.node_id: [(3, 1.0)]})
    public = web.client.get("/api/workers").json()
    assert public["totals"] == {"workers": 1, "nodes_alive": 1, "nodes_dead": 0, "gpus": 2.0, "gpus_used": 1.0}
    assert public["nodes"][0]["gpus_free"] == 1.0 and public["nodes"][0]["jobs"] == [3]
    assert set(public["queue"]) >= {"pending", "running", "wait_median_seconds", "finished_last_hour"}
    page = web.client.get("/workers").text
    for text in (public, page):
        for secret in ("10.9.8.7", "10.9.8.6", "gpu-host-17", NODE.node_id[:12]):
            assert secret not in str(text)
    assert "1.00 of 2.00 GPUs in use" in page

    add_user(web.factory, "olga", role="operator")
    sign_in(web.client, "olga")
    full = web.client.get("/api/workers").json()
    assert full["ray_dashboards"] == [DASHBOARD] and full["nodes"][0]["host"] == "10.9.8.6"
    assert full["workers"][0]["id"] == "gpu-host-17:42:abc"
    page = web.client.get("/workers").text
    assert DASHBOARD in page and "10.9.8.6" in page and "gpu-host-17:42:abc" in page
