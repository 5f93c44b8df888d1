"""The operators' view of what runs evaluations: local workers, the Ray cluster's nodes, queue
wait and throughput. Read from the database only (dispatchers write the nodes they see), so the
web tier never talks to the cluster.

`report` returns everything; `public` keeps what anyone may see (counts, GPUs, waits,
throughput) and drops addresses: host names, worker and node ids, the Ray dashboard address.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from podium.platform.config import Settings
from podium.platform.db import utcnow
from podium.platform.executors.ray_cluster import RayNode
from podium.platform.models import ClusterNode, Job
from podium.platform.workers import registered

ADDRESS_FIELDS = ("id", "host", "cluster")


def record_nodes(session: Session, cluster: str, nodes: list[RayNode], on_node: dict[str, list[tuple[int, float]]],
                 now: datetime | None = None) -> None:
    """Upsert the nodes a dispatcher sees; nodes of this cluster it no longer lists are marked dead."""
    now = now or utcnow()
    seen = set()
    for n in nodes:
        row = session.get(ClusterNode, n.node_id) or ClusterNode(id=n.node_id)
        running = on_node.get(n.node_id, [])
        row.cluster, row.host, row.alive, row.is_head = cluster[:400], n.host[:200], n.alive, n.is_head
        row.gpus, row.gpus_used = n.gpus, float(sum(g for _, g in running))
        row.resources, row.jobs, row.seen_at = dict(n.resources), sorted(j for j, _ in running), now
        session.add(row)
        seen.add(n.node_id)
    for row in session.scalars(select(ClusterNode).where(ClusterNode.cluster == cluster[:400])):
        if row.id not in seen:
            row.alive = False
    session.flush()


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def queue_stats(session: Session, now: datetime) -> dict:
    """Queue wait (submission to the start of its latest attempt, jobs started in the last 24 h) and
    throughput (jobs finished per hour)."""
    day = now - timedelta(hours=24)
    waits = [(s - c).total_seconds() for c, s in session.execute(
        select(Job.created_at, Job.started_at).where(Job.started_at >= day)).all()]
    oldest = session.scalar(select(func.min(Job.created_at)).where(Job.state == "pending"))
    finished = [f for (f,) in session.execute(select(Job.finished_at).where(Job.state == "finished",
                                                                              Job.finished_at >= day)).all()]
    counts = dict(session.execute(select(Job.state, func.count(Job.id)).group_by(Job.state)).all())
    return {
        "pending": counts.get("pending", 0), "running": counts.get("running", 0),
        "oldest_pending_seconds": (now - oldest).total_seconds() if oldest else None,
        "wait_median_seconds": _percentile(waits, 0.5), "wait_p95_seconds": _percentile(waits, 0.95),
        "finished_last_hour": sum(f >= now - timedelta(hours=1) for f in finished),
        "finished_per_hour_24h": round(len(finished) / 24, 2),
    }


def report(session: Session, settings: Settings, now: datetime | None = None) -> dict:
    """Everything, addresses included (operators only)."""
    now = now or utcnow()
    since = now - timedelta(seconds=settings.worker_seen_seconds)
    running = session.execute(select(Job.id, Job.lease_owner).where(Job.state == "running")).all()
    workers = [{
        "id": w.id, "host": w.host, "device_kind": w.device_kind, "gpus": w.gpu_count, "gpu_name": w.gpu_name,
        "gpu_memory_gb": w.gpu_memory_gb, "quantization": list(w.quantization), "started_at": w.started_at,
        "seen_at": w.seen_at, "jobs": sorted(j for j, owner in running if owner == w.id),
    } for w in registered(session, settings, now)]
    nodes = [{
        "id": n.id, "host": n.host, "cluster": n.cluster, "alive": n.alive, "is_head": n.is_head, "gpus": n.gpus,
        "gpus_used": n.gpus_used, "gpus_free": max(0.0, n.gpus - n.gpus_used) if n.alive else 0.0,
        "jobs": list(n.jobs), "seen_at": n.seen_at,
    } for n in session.scalars(select(ClusterNode).where(ClusterNode.seen_at >= since)
                               .order_by(ClusterNode.is_head.desc(), ClusterNode.host, ClusterNode.id))]
    clusters = sorted({n["cluster"] for n in nodes})
    live = [n for n in nodes if n["alive"]]
    return {
        "workers": workers, "nodes": nodes, "ray_dashboards": clusters,
        "totals": {"workers": len(workers), "nodes_alive": len(live), "nodes_dead": len(nodes) - len(live),
                   "gpus": sum(n["gpus"] for n in live), "gpus_used": sum(n["gpus_used"] for n in live)},
        "queue": queue_stats(session, now),
    }


def public(full: dict) -> dict:
    """The report without addresses: what anyone may see."""
    return {"workers": _strip(full["workers"]), "nodes": _strip(full["nodes"]), "totals": full["totals"],
            "queue": full["queue"]}


def _strip(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ADDRESS_FIELDS} for r in rows]
