"""/metrics adds up every gunicorn worker process (CONTRACT 11: counts are the site's)."""

import os
import signal
import time

import pytest
import requests

from auctions.tests.operations.server import database_url, gunicorn
from auctions.tests.operations.test_metrics import callbacks, samples

TOKEN = "metrics-TOKEN-2w"
CALLBACKS = 24


@pytest.mark.django_db(transaction=True)
def test_callback_counts_add_up_across_two_worker_processes(settings, tmp_path):
    environment = {"DATABASE_URL": database_url(settings, tmp_path), "METRICS_TOKEN": TOKEN}
    # Two workers, each replaced after 5 requests: the callbacks are answered by several
    # processes, some of them gone by the time of the scrape.
    # A long worker timeout: on a loaded machine a new worker's first request may take a
    # while, and a worker killed mid-request would reset the connection.
    arguments = ("--workers", "2", "--max-requests", "5", "--timeout", "120")

    with gunicorn(environment, *arguments) as (base, _):

        def callback(_):
            url = f"{base}/api/payments/click/prepare/"
            try:
                answer = requests.post(url, data={}, timeout=30)
            except requests.ConnectionError:
                # A connection reset while a worker retires (gunicorn's, not the site's):
                # that request was not answered, so it was not counted; send it again, as
                # Click would. One more count than callbacks answered fails the test below.
                answer = requests.post(url, data={}, timeout=30)
            return answer.json()["error"]

        # One at a time: a sync worker that retires after its 5th answer may drop
        # connections it had not yet accepted when several wait at once.
        errors = [callback(n) for n in range(CALLBACKS)]
        scrapes = [
            requests.get(
                f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
            )
            for _ in range(4)
        ]

    assert errors == [-8] * CALLBACKS
    for scrape in scrapes:
        assert scrape.status_code == 200
        metrics = samples(scrape.text)
        assert callbacks(metrics, "click", "prepare", "refused") == CALLBACKS
        histogram = (
            "kvartirabar_callback_seconds_count",
            (("method", "prepare"), ("provider", "click")),
        )
        assert metrics[histogram] == CALLBACKS


@pytest.mark.django_db(transaction=True)
def test_a_graceful_reload_keeps_the_counts(settings, tmp_path):
    environment = {"DATABASE_URL": database_url(settings, tmp_path), "METRICS_TOKEN": TOKEN}
    headers = {"Authorization": f"Bearer {TOKEN}"}

    with gunicorn(environment, "--workers", "2") as (base, master):
        for _ in range(3):
            requests.post(f"{base}/api/payments/click/complete/", data={}, timeout=30)
        os.kill(master, signal.SIGHUP)  # new workers; the old ones finish and exit
        scrape = _scrape_when_back(f"{base}/metrics", headers)

    assert callbacks(samples(scrape.text), "click", "complete", "refused") == 3


def _scrape_when_back(url: str, headers: dict, patience: float = 30.0):
    """The first answer of the reloaded workers (a loaded machine may take seconds)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return requests.get(url, headers=headers, timeout=30)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
