"""The site in a subprocess on a free loopback port: `gunicorn config.wsgi` as CONTRACT 8
starts it, or `runserver --noreload` under libfaketime as an outside check may."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAKETIME_LIBRARIES = [
    Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
    Path("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
]


def faketime_library() -> Path | None:
    """Debian's libfaketime (.ci/run installs it), or None."""
    return next((path for path in FAKETIME_LIBRARIES if path.exists()), None)


@contextmanager
def gunicorn(environment: dict, *arguments: str):
    """Yield (base URL, master pid) of a running gunicorn; stopped (and waited for) on exit."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        *arguments,
    ]
    with _serving(command, port, environment) as served:
        yield served


@contextmanager
def faked_runserver(environment: dict, offset: str):
    """Yield the base URL of `manage.py runserver --noreload` whose wall clock is moved by
    libfaketime's `offset` (e.g. "+13h"), its monotonic clock not (CONTRACT 8)."""
    library = faketime_library()
    if library is None:
        raise RuntimeError("libfaketime is not installed")
    port = free_port()
    command = [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", str(port)]
    faked = {
        **environment,
        "LD_PRELOAD": str(library),
        "FAKETIME": offset,
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    with _serving(command, port, faked) as (base, _):
        yield base


@contextmanager
def _serving(command: list[str], port: int, environment: dict):
    env = {**os.environ, "DEBUG": "1", "PYTHONWARNINGS": "ignore", **environment}
    if "PROMETHEUS_MULTIPROC_DIR" not in environment:
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py picks its own
    env.pop("KVARTIRABAR_METRICS_MASTER", None)
    # The log goes to a file, not a pipe: nobody reads it while the server runs
    # (runserver logs every request), and a full pipe would stop the server.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 -- our own server
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    requests.get(f"{base}/healthz", timeout=5)
                    break
                except requests.RequestException:
                    if server.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(log.read().decode()[-2000:]) from None
                    time.sleep(0.1)
            yield base, server.pid
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # A master still draining workers (e.g. right after a reload on a loaded
                # machine): what the test checked is already read, so stop it hard.
                server.kill()
                server.wait(timeout=15)


def database_url(settings, tmp_path) -> str:
    """A URL of a migrated database the subprocess can open: the test database on
    PostgreSQL (the test must see the server's writes: transaction=True), else a SQLite file.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        credentials = database["USER"] + (
            f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        )
        return (
            f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
        env={**os.environ, "DEBUG": "1", "DATABASE_URL": url, "PYTHONWARNINGS": "ignore"},
        check=True,
        cwd=ROOT,
    )
    return url
