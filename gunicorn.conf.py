"""gunicorn's settings file: `gunicorn config.wsgi` reads it from the project root.

It sets only what /metrics needs (CONTRACT 11): prometheus-client's multiprocess mode,
so counters add up across worker processes. PROMETHEUS_MULTIPROC_DIR, when set, is used
and emptied at each master start; unset, each master uses its own directory under the
system's temp directory and removes it on exit. Workers, threads and the bind address
stay on the command line.
"""

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "kvartirabar-metrics-"
# Set in the master's environment: a reload (SIGHUP) reads this file again in the same
# master, and must keep the counts the old workers leave behind.
MASTER = "KVARTIRABAR_METRICS_MASTER"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _metrics_directory() -> tuple[Path, bool]:
    pid, _, owned = os.environ.get(MASTER, "").partition(":")
    if pid == str(os.getpid()) and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]), owned == "1"  # a reload
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if configured:
        path, owned = Path(configured), False
    else:
        temp = Path(tempfile.gettempdir())
        for stale in temp.glob(PREFIX + "*"):  # left by a master that was killed
            suffix = stale.name.removeprefix(PREFIX)
            if suffix.isdigit() and not _alive(int(suffix)):
                shutil.rmtree(stale, ignore_errors=True)
        path, owned = temp / f"{PREFIX}{os.getpid()}", True
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):  # counts of a previous master start
        old.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    os.environ[MASTER] = f"{os.getpid()}:{int(owned)}"
    return path, owned


METRICS_DIRECTORY, OWNED = _metrics_directory()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if OWNED:
        shutil.rmtree(METRICS_DIRECTORY, ignore_errors=True)
