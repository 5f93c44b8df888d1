"""The Ray cluster as the dispatcher sees it: typed jobs and nodes over Ray's Jobs and State APIs.

Podium talks to the cluster only through the dashboard's HTTP address (the Jobs API; the
dispatcher is not a Ray driver), so the GPU hosts need no database credentials and a
dispatcher can restart without touching running jobs. That API has no authentication of its
own: `check_address` refuses any address that is not loopback unless the operator says the
network is private (`--allow-remote-ray`).

Capability markers: a node declares what it can run as custom resources
(`podium workers --ray-resources` prints them for `ray start --resources`): `podium_gpu_memory`
when its smallest GPU holds the deployment's `gpu_memory_gb`, and `podium_quant_<precision>`
per quantization library it has. A job asks for a thousandth of each marker it needs, so
markers never limit how many jobs share a node; its GPU count (`entrypoint_num_gpus`) does.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from podium.errors import UsageError
from podium.platform.capacity import Capabilities

GPU_MEMORY_MARKER = "podium_gpu_memory"
QUANT_MARKER = "podium_quant_{}"
MARKER_REQUEST = 0.001
CALL_TIMEOUT_SECONDS = 30.0  # Ray's client sets no timeout; a frozen node's agent would hang a log request
LOG_TIMEOUT_SECONDS = 5.0  # a log is worth less than a reconciliation pass that waits for it
ACTIVE_STATUSES = ("PENDING", "RUNNING")


def node_resources(caps: Capabilities, gpu_memory_gb: float) -> dict[str, float]:
    """The markers a host with these capabilities declares (`ray start --resources`)."""
    markers = {QUANT_MARKER.format(q): 1.0 for q in caps.quantization}
    if caps.device_kind == "cuda" and (caps.gpu_memory_gb or 0) >= gpu_memory_gb:
        markers[GPU_MEMORY_MARKER] = 1.0
    return markers


def job_resources(precision: str, quantized: bool) -> dict[str, float]:
    """The markers a job asks for: GPUs big enough, and its quantization library."""
    markers = {GPU_MEMORY_MARKER: MARKER_REQUEST}
    if quantized:
        markers[QUANT_MARKER.format(precision)] = MARKER_REQUEST
    return markers


def check_address(address: str, allow_remote: bool) -> str:
    """The dashboard URL to use; a non-loopback host needs the operator's explicit consent."""
    url = address if "://" in address else f"http://{address}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--ray-address {address!r} is not a Ray dashboard address such as http://127.0.0.1:8265.")
    host = parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not allow_remote:
        raise UsageError(
            f"The Ray address {host} is not on this machine. Ray's job API has no authentication: anyone who "
            "reaches it runs code on every node. Pass --allow-remote-ray only when it is on a private network "
            "that only the cluster and its dispatchers reach (see README, 'Running on a Ray cluster').")
    return url.rstrip("/")


@dataclass(frozen=True)
class RayJob:
    submission_id: str
    status: str  # PENDING | RUNNING | STOPPED | SUCCEEDED | FAILED
    node_id: str | None
    message: str
    exit_code: int | None
    start_ms: int | None
    end_ms: int | None
    gpus: float

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def wall_seconds(self) -> float:
        if not self.start_ms or not self.end_ms:
            return 0.0
        return max(0.0, (self.end_ms - self.start_ms) / 1000)


@dataclass(frozen=True)
class RayNode:
    node_id: str
    host: str
    alive: bool
    is_head: bool
    resources: dict

    @property
    def gpus(self) -> float:
        return float(self.resources.get("GPU", 0.0))

    @property
    def quantization(self) -> tuple[str, ...]:
        prefix = QUANT_MARKER.format("")
        return tuple(sorted(k[len(prefix):] for k in self.resources if k.startswith(prefix)))

    @property
    def usable(self) -> bool:
        """Alive, with GPUs and the GPU-memory marker: Podium's jobs can be placed on it."""
        return self.alive and self.gpus > 0 and GPU_MEMORY_MARKER in self.resources


def bounded(call, *args, timeout: float = CALL_TIMEOUT_SECONDS, **kwargs):
    """`call(*args, **kwargs)`, or TimeoutError after `timeout` (the call is left to finish in a daemon
    thread: Ray's HTTP client offers no way to cancel it)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = call(*args, **kwargs)
        except BaseException as err:  # handed to the caller below
            outcome["error"] = err

    thread = threading.Thread(target=run, daemon=True, name="ray-call")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"Ray did not answer {getattr(call, '__name__', 'a call')} within {timeout:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class RayCluster:
    """Ray's Jobs API and node list at one dashboard address (imported lazily: Ray is an extra)."""

    def __init__(self, address: str):
        try:
            from ray.job_submission import JobSubmissionClient
        except ImportError as err:
            raise UsageError("The Ray executor needs Ray: pip install 'podium[ray]'.") from err
        self.address = address
        self.client = JobSubmissionClient(address)

    def jobs(self, prefix: str) -> dict[str, RayJob]:
        """Podium's jobs on the cluster (submission ids starting with `prefix`), by submission id."""
        found = {}
        for d in bounded(self.client.list_jobs):
            if d.submission_id and d.submission_id.startswith(prefix):
                code = getattr(d, "driver_exit_code", None)
                found[d.submission_id] = RayJob(
                    d.submission_id, str(d.status.value if hasattr(d.status, "value") else d.status),
                    d.driver_node_id or None, d.message or "", code, d.start_time, d.end_time,
                    float((d.metadata or {}).get("podium_gpus", 0)))
        return found

    def nodes(self) -> list[RayNode]:
        from ray.util.state import list_nodes

        return [RayNode(n.node_id, n.node_ip, n.state == "ALIVE", bool(n.is_head_node), dict(n.resources_total or {}))
                for n in list_nodes(address=self.address, limit=10_000, timeout=int(CALL_TIMEOUT_SECONDS),
                                    raise_on_missing_output=False)]

    def submit(self, submission_id: str, entrypoint: str, *, gpus: int, resources: dict[str, float],
               env: dict[str, str], metadata: dict[str, str]) -> bool:
        """Submit a job; False when a job of this id already exists (submitted before a restart)."""
        try:
            bounded(self.client.submit_job, entrypoint=entrypoint, submission_id=submission_id,
                    entrypoint_num_gpus=gpus, entrypoint_resources=resources, runtime_env={"env_vars": env},
                    metadata=metadata)
        except RuntimeError as err:
            if "already exists" in str(err):
                return False
            raise
        return True

    def stop(self, submission_id: str) -> None:
        bounded(self.client.stop_job, submission_id)

    def logs(self, submission_id: str) -> str:
        return bounded(self.client.get_job_logs, submission_id, timeout=LOG_TIMEOUT_SECONDS)
