"""Start a sandbox management command as its own process, as `make run` does (tests only)."""

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

URL = re.compile(r"on (http://127\.0\.0\.1:[0-9]+)")


@contextmanager
def sandbox_process(command: str, *arguments: str, env: dict[str, str]):
    """Yield the base URL the command prints; stop the process afterwards."""
    process = subprocess.Popen(  # noqa: S603 -- our own manage.py, fixed arguments
        [sys.executable, "manage.py", command, "--port", "0", *arguments],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "DEBUG": "1", "PYTHONUNBUFFERED": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            match = URL.search(line)
            if match or not line:
                break
        assert match, f"no URL printed: {line!r} {process.stderr.read() if not line else ''}"
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def failed_start(command: str, *arguments: str) -> tuple[int, str]:
    """(exit code, stderr) of a start the command refuses."""
    finished = subprocess.run(  # noqa: S603 -- our own manage.py, fixed arguments
        [sys.executable, "manage.py", command, "--port", "0", *arguments],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return finished.returncode, finished.stderr
