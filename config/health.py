"""GET /healthz and GET /readyz (CONTRACT 11), answered before the rest of the stack.

HealthMiddleware sits first, so a load balancer's probe over plain HTTP, or with an
address for a host name, is answered rather than redirected to HTTPS or refused.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)


def healthz(request):
    """200 while the process runs and answers."""
    return HttpResponse("ok\n", content_type="text/plain")


def readyz(request):
    """200 when the database answers and every migration is applied, else 503."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        # Every migration of the code, not only the leaves: `migrate --check` reads a plan
        # towards the leaves, which skips an unapplied migration below an applied one.
        loader = MigrationLoader(connection)
        unapplied = sorted(set(loader.graph.nodes) - set(loader.applied_migrations))
    except DatabaseError as error:
        logger.warning("readyz database unavailable error=%s", type(error).__name__)
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"ready": False, "database": "unavailable"}, status=503)
    if unapplied:
        names = [f"{app_label}.{name}" for app_label, name in unapplied]
        return JsonResponse({"ready": False, "unapplied_migrations": names}, status=503)
    return JsonResponse({"ready": True})


PATHS = {"/healthz": healthz, "/readyz": readyz}


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PATHS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
