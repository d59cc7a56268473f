"""One end-to-end run through a real Celery worker on the local Redis."""

import socket
import time

import pytest
from celery.contrib.testing.worker import start_worker

from auctions.models import AuctionStatus
from auctions.tasks import advance_auctions
from auctions.tests.factories import ActiveAuctionFactory
from config.celery import app

REDIS = ("127.0.0.1", 6379)


def redis_is_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


# PostgreSQL only: the worker thread and the test share SQLite's in-memory test database
# through its shared cache, which does not reliably show one thread's commit to the other.
@pytest.mark.postgres
@pytest.mark.skipif(not redis_is_up(), reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_starts_a_due_auction(celery_broker):
    auction = ActiveAuctionFactory(status=AuctionStatus.SCHEDULED)
    celery_broker("redis://127.0.0.1:6379/15")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        advance_auctions.apply_async(retry=False)  # through Redis to the worker
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            auction.refresh_from_db()
            if auction.status == AuctionStatus.ACTIVE:
                break
            time.sleep(0.2)

    assert auction.status == AuctionStatus.ACTIVE
