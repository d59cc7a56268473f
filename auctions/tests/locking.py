"""Hold a row lock from another connection, as a slow or stuck request would."""

import threading
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def row_locked_elsewhere(model, pk):
    """Within the block, another connection holds SELECT ... FOR UPDATE on the row."""
    locked, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(timeout=60)
        except BaseException as error:  # reported below
            failure.append(error)
            locked.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(timeout=30), "the other connection never took the lock"
        assert not failure, failure
        yield
    finally:
        release.set()
        thread.join(timeout=60)
