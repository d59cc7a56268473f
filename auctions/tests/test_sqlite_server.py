"""The embedded SQLite default under a real multi-worker gunicorn: writes queue, never fail."""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MAKE_BIDDERS = """
from auctions.models import User
from rest_framework.authtoken.models import Token
for index in range(24):
    user = User.objects.create(username=f"bidder_{index}")
    print(Token.objects.create(user=user).key)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sqlite_server(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "KVARTIRABAR_TESTING": "0",
        "PYTHONWARNINGS": "ignore",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT, capture_output=True)
    # Bidders with tokens made directly: password hashing is not what this test measures.
    made = subprocess.run(
        [*manage, "shell", "-c", MAKE_BIDDERS],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    tokens = made.stdout.split()[-24:]
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "4",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/api/auctions/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base, tokens
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_concurrent_writes_on_sqlite_queue_instead_of_failing(sqlite_server):
    base, tokens = sqlite_server

    def register(index):
        return requests.post(
            f"{base}/api/auth/register/",
            json={"username": f"buyer{index}", "password": "Tashkent-2024"},
            timeout=30,
        )

    with ThreadPoolExecutor(12) as pool:
        registered = list(pool.map(register, range(12)))
    assert [answer.status_code for answer in registered] == [201] * 12

    auction = next(
        a
        for a in requests.get(f"{base}/api/auctions/", timeout=30).json()
        if a["status"] == "active"
    )
    start = Decimal(auction["current_price"])
    # The demo seeds a history of bids: count only the ones placed here.
    seeded = len(requests.get(f"{base}/api/auctions/{auction['id']}/bids/", timeout=30).json())

    def bid(index):
        return requests.post(
            f"{base}/api/auctions/{auction['id']}/bids/",
            json={"amount": str(start + 5000000 * (index + 1))},
            headers={"Authorization": f"Token {tokens[index]}"},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(bid, range(24)))

    assert set(statuses) <= {201, 400}
    history = requests.get(f"{base}/api/auctions/{auction['id']}/bids/", timeout=30).json()
    amounts = [Decimal(row["amount"]) for row in history]
    assert len(amounts) - seeded == statuses.count(201) > 0
    assert amounts == sorted(set(amounts), reverse=True)
