"""The Lua MD5 the Click load script signs with matches RFC 1321 and PROVIDERS.md 1.3."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_lua_md5_matches_the_vectors():
    luajit = shutil.which("luajit")
    if luajit is None:
        pytest.skip("luajit is not installed (apt-get install luajit); the smoke run checks it")

    finished = subprocess.run(  # noqa: S603 -- our own script
        [luajit, "bench/lua/md5_check.lua"], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "11 checked, 0 failed" in finished.stdout
