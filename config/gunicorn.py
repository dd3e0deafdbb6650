"""
Gunicorn settings that belong with the code rather than the command line
(`gunicorn -c config/gunicorn.py ...`; workers, threads and timeouts stay on
the command line, from the environment).

Metrics: each worker process writes its counters and histograms to files in
PROMETHEUS_MULTIPROC_DIR, and `/metrics` in any worker sums them for the
whole pod (apps.core.metrics). Set here, before a worker imports
prometheus_client; emptied when gunicorn starts so a restarted pod does not
report the previous run's counts.
"""
import os
from pathlib import Path

METRICS_DIR = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/zargar-metrics"))


def on_starting(server):
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
