"""A real Ray cluster on this machine, for the scale-out tests and `benchmarks/scale_out.py`.

`ray.cluster_utils.Cluster` starts real Ray processes (GCS, raylets, the dashboard with the
Jobs API, its agents) as children of this process, each node a raylet of its own: a head
that runs no GPU work, and worker nodes declaring 1 or 2 GPUs (Ray's `num_gpus`; this
machine has none, Ray only counts them) plus Podium's capability markers. Everything binds to
loopback, object stores are small, and node health is checked every second so a killed node
is declared dead within seconds. `kill_node` is the fault of promise P1: SIGKILL of the
node's raylet and every process under it (its workers, the Ray job's supervisor, the
evaluation); `freeze_node`/`thaw_node` stop and continue them (P3).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time

import psutil

OBJECT_STORE_BYTES = 80 * 1024 ** 2
# Ray replaces a loopback address by the machine's own when a process connects (the dashboard's
# Jobs API does, and then waits forever for a GCS that listens on loopback only); with this
# variable at 0 Ray resolves the node address to 127.0.0.1 instead (its single-host mode).
LOOPBACK_ONLY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
HEALTH_CHECKS = {"health_check_period_ms": 1000, "health_check_failure_threshold": 3,
                 "health_check_initial_delay_ms": 1000, "health_check_timeout_ms": 1000}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalRay:
    """Head plus GPU nodes; use as a context manager (the cluster is shut down on any exit)."""

    def __init__(self, gpus: tuple[int, ...] = (1, 2), markers: dict[str, float] | None = None):
        self.gpus, self.markers = gpus, {"podium_gpu_memory": 1.0, **(markers or {})}
        self.cluster = None
        self.saved_env: dict[str, str | None] = {}
        self.gpus_of: dict[str, int] = {}  # node id -> GPUs it declares
        self.port = _free_port()

    @property
    def dashboard(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalRay:
        from ray.cluster_utils import Cluster

        self.saved_env = {k: os.environ.get(k) for k in LOOPBACK_ONLY}
        os.environ.update(LOOPBACK_ONLY)  # inherited by every Ray process this cluster starts
        try:
            self.cluster = Cluster(initialize_head=True, head_node_args=dict(
                num_cpus=1, num_gpus=0, include_dashboard=True, dashboard_host="127.0.0.1", dashboard_port=self.port,
                node_ip_address="127.0.0.1", object_store_memory=OBJECT_STORE_BYTES, _system_config=HEALTH_CHECKS))
            for count in self.gpus:
                self.add_node(count)
            self._wait_for_jobs_api()
        except BaseException:
            self.shutdown()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def add_node(self, gpus: int):
        node = self.cluster.add_node(num_cpus=1, num_gpus=gpus, resources=dict(self.markers),
                                     node_ip_address="127.0.0.1", object_store_memory=OBJECT_STORE_BYTES)
        self.gpus_of[node.node_id] = gpus
        return node

    def _wait_for_jobs_api(self, timeout: float = 180.0) -> None:
        """Until the head's job agent takes a job (the dashboard answers before it does)."""
        from ray.job_submission import JobSubmissionClient

        deadline = time.monotonic() + timeout
        while True:
            try:
                JobSubmissionClient(self.dashboard).submit_job(entrypoint="true", submission_id=f"warmup-{self.port}")
                return
            except Exception:  # not up yet: the dashboard refuses or answers 500 "No available agent"
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def nodes(self) -> list:
        return list(self.cluster.worker_nodes)

    def node(self, node_id: str):
        return next(n for n in self.cluster.worker_nodes if n.node_id == node_id)

    def _tree(self, node) -> list[psutil.Process]:
        """The node's raylet and every process under it (none once the raylet has exited)."""
        try:
            raylet = psutil.Process(node.all_processes["raylet"][0].process.pid)
            return [raylet, *raylet.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill_node(self, node) -> int:
        """SIGKILL the node's raylet and every process under it; returns how many were killed."""
        procs = self._tree(node)
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):  # exited on its own already: what a kill wants
                p.send_signal(signal.SIGKILL)
        psutil.wait_procs(procs, timeout=10)
        self.cluster.worker_nodes.discard(node)
        return len(procs)

    def replace_node(self, node):
        """Kill a node (`kill_node`) and start another with the same GPUs, as a pool replaces a lost host."""
        self.kill_node(node)
        return self.add_node(self.gpus_of[node.node_id])

    def freeze_node(self, node) -> list[psutil.Process]:
        """SIGSTOP the node's raylet and every process under it (the cluster declares it dead)."""
        procs = self._tree(node)
        for p in procs:
            p.send_signal(signal.SIGSTOP)
        return procs

    def thaw_node(self, procs: list[psutil.Process]) -> None:
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):  # gone while frozen (its node was killed)
                p.send_signal(signal.SIGCONT)

    def shutdown(self) -> None:
        if self.cluster is not None:
            self.cluster.shutdown()
            self.cluster = None
            os.environ.pop("RAY_ADDRESS", None)
        for key, value in self.saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self.saved_env = {}
