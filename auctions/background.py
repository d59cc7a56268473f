"""Enqueue background work without ever failing or blocking a request (CONTRACT 8).

Publishing runs on one background thread per process, so a slow or unreachable broker
costs a request nothing; a publish error is logged there. In eager mode (tests) the task
runs in place.
"""

import logging
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)
_publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enqueue")


def _publish(task, args, kwargs) -> bool:
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception:
        logger.exception("could not enqueue task=%s", task.name)
        return False
    return True


def enqueue(task, *args, **kwargs):
    """Send `task` to the broker in the background; return a Future of success."""
    if task.app.conf.task_always_eager:
        return _done(_publish(task, args, kwargs))
    return _publisher.submit(_publish, task, args, kwargs)


def _done(value):
    from concurrent.futures import Future

    future = Future()
    future.set_result(value)
    return future
