"""The benchmark runs end to end (a few hundred requests per scenario) so it cannot rot.

Timing is not under test: no target is asserted. What is: the command exits 0, every
scenario printed a row with requests, and the exactly-once and rising-bid checks passed.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = [
    "floor",
    "payme_check_perform",
    "payme_check_transaction",
    "click_pair",
    "payme_pair",
    "bids",
]


def smoke_database_url() -> str:
    """The test database's URL with its own name: <name>_bench_smoke."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    name = settings.DATABASES["default"]["NAME"]
    return urlunsplit(parts._replace(path=f"/{name}_bench_smoke"))


@pytest.mark.postgres
def test_benchmark_smoke_run_passes_its_checks():
    # given: wrk (the benchmark installs it itself when it is missing and may)
    if shutil.which("wrk") is None and os.geteuid() != 0:
        pytest.skip("wrk is not installed and apt-get needs root")
    database_url = smoke_database_url()

    # when
    finished = subprocess.run(  # noqa: S603 -- our own command
        [sys.executable, "-m", "bench", "--smoke", "--database-url", database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={key: value for key, value in os.environ.items() if key != "DATABASE_URL"},
    )
    from bench.run import drop_database

    drop_database(database_url)

    # then
    output = finished.stdout
    assert finished.returncode == 0, output + finished.stderr[-3000:]
    for scenario in SCENARIOS:
        row = re.search(rf"^{scenario}\s+\d+\s+(\d+)\s", output, re.MULTILINE)
        assert row, f"no row for {scenario}:\n{output}"
        assert int(row.group(1)) > 0, f"{scenario} made no requests:\n{output}"
    checks = re.findall(r"^  (ok|FAILED)  (.+?):", output, re.MULTILINE)
    names = [name for _, name in checks]
    assert "each completed payment completed exactly once" in names
    assert "no auction paid twice" in names
    assert "hot auction's bids strictly increasing" in names
    assert all(status == "ok" for status, _ in checks), output
