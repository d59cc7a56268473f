"""GET /metrics in Prometheus' text format, and the callback counters (CONTRACT 11).

Under gunicorn, gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before any worker starts:
each worker writes its counters to its own files there and a scrape adds up every file,
so the numbers are the site's, whichever worker answers. Without it (runserver, tests)
the counters are the process's own. Gauges are read from the database at scrape time.
"""

import hmac
import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
if _dir:
    Path(_dir).mkdir(parents=True, exist_ok=True)  # before prometheus_client reads it

from prometheus_client import (  # noqa: E402 -- after the directory exists
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily  # noqa: E402

CALLBACKS = Counter(
    "kvartirabar_callbacks",
    "Provider callbacks answered, by outcome: ok, refused (a protocol refusal), "
    "unauthorized (bad sign or key), error (our failure)",
    ["provider", "method", "outcome"],
    registry=None,
)
CALLBACK_SECONDS = Histogram(
    "kvartirabar_callback_seconds",
    "Time to answer a provider callback",
    ["provider", "method"],
    registry=None,
)

# Callback paths (CONTRACT 3-5) and what their answers mean.
CLICK_PATHS = ("/api/payments/click/", "/api/auctions/click/")
PAYME_PATH = "/api/payments/payme"
MEDOGRAM_PATH = "/api/payments/medogram/callback/"
CALLBACK_PREFIXES = (*CLICK_PATHS, PAYME_PATH, MEDOGRAM_PATH)
PAYME_METHODS = frozenset(
    {
        "CheckPerformTransaction",
        "CreateTransaction",
        "PerformTransaction",
        "CancelTransaction",
        "CheckTransaction",
        "GetStatement",
        "SetFiscalData",
        "ChangePassword",
    }
)
CLICK_UNAUTHORIZED, CLICK_FAILED = -1, -7
PAYME_UNAUTHORIZED, PAYME_FAILED = -32504, -32400
LARGEST_BODY_READ = 65536


def _answer(response) -> dict:
    if response.streaming or len(response.content) > LARGEST_BODY_READ:
        return {}
    try:
        answer = json.loads(response.content)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _click(request, response) -> tuple[str, str]:
    path = request.path_info.rstrip("/")
    method = path.rsplit("/", 1)[-1] if path.endswith(("prepare", "complete")) else "other"
    if response.status_code >= 500:
        return method, "error"
    error = _answer(response).get("error")
    if error == 0:
        return method, "ok"
    if error == CLICK_UNAUTHORIZED:
        return method, "unauthorized"
    return method, "error" if error == CLICK_FAILED or error is None else "refused"


def _payme(request, response) -> tuple[str, str]:
    method = "other"
    try:
        body = request.body if len(request.body) <= LARGEST_BODY_READ else b""
        name = json.loads(body).get("method") if body else None
        if name in PAYME_METHODS:
            method = name
    except Exception:  # any unreadable body: the view has already answered it
        method = "other"
    if response.status_code >= 500:
        return method, "error"
    answer = _answer(response)
    if "result" in answer:
        return method, "ok"
    code = (
        (answer.get("error") or {}).get("code") if isinstance(answer.get("error"), dict) else None
    )
    if code == PAYME_UNAUTHORIZED:
        return method, "unauthorized"
    return method, "error" if code == PAYME_FAILED or code is None else "refused"


def _medogram(request, response) -> tuple[str, str]:
    if response.status_code >= 500:
        return "callback", "error"
    return "callback", "refused" if response.status_code >= 400 else "ok"


class CallbackMetrics:
    """Count and time every provider callback; other requests pass by with one prefix test."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(CALLBACK_PREFIXES):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        if path.startswith(CLICK_PATHS):
            provider, (method, outcome) = "click", _click(request, response)
        elif path.startswith(MEDOGRAM_PATH):
            provider, (method, outcome) = "medogram", _medogram(request, response)
        else:
            provider, (method, outcome) = "payme", _payme(request, response)
        CALLBACKS.labels(provider, method, outcome).inc()
        CALLBACK_SECONDS.labels(provider, method).observe(elapsed)
        return response


class DatabaseCollector:
    """Payments and deposits by status and the outbox backlog, read at scrape time."""

    def collect(self):
        from auctions import providers
        from auctions.models import (
            AuctionPayment,
            Deposit,
            DepositStatus,
            Notification,
            PaymentStatus,
        )

        payments = GaugeMetricFamily(
            "kvartirabar_payments", "Payments by provider and status", labels=["provider", "status"]
        )
        counts = {(name, status): 0 for name in providers.names() for status in PaymentStatus}
        rows = AuctionPayment.objects.values_list("provider", "status").annotate(n=Count("id"))
        for provider, status, count in rows.order_by():
            counts[(provider, status)] = count
        for (provider, status), count in sorted(counts.items()):
            payments.add_metric([provider, str(status)], count)
        yield payments

        deposits = GaugeMetricFamily(
            "kvartirabar_deposits", "Deposits by status", labels=["status"]
        )
        by_status = dict.fromkeys(DepositStatus.values, 0)
        grouped = Deposit.objects.values_list("status").annotate(n=Count("pk")).order_by()
        for status, count in grouped:
            by_status[status] = count
        for status, count in by_status.items():
            deposits.add_metric([status], count)
        yield deposits

        from auctions.models import Discrepancy

        open_discrepancies = GaugeMetricFamily(
            "kvartirabar_discrepancies_open",
            "Payments the last reconcile run left unsettled or in disagreement",
            labels=["provider"],
        )
        by_provider = dict.fromkeys(providers.names(), 0)
        grouped = Discrepancy.objects.values_list("provider").annotate(n=Count("pk")).order_by()
        for provider, count in grouped:
            by_provider[provider] = count
        for provider, count in sorted(by_provider.items()):
            open_discrepancies.add_metric([provider], count)
        yield open_discrepancies

        backlog = GaugeMetricFamily(
            "kvartirabar_outbox_backlog", "Notifications written but not yet sent"
        )
        backlog.add_metric([], Notification.objects.filter(sent_at__isnull=True).count())
        yield backlog


def registry() -> CollectorRegistry:
    """Every worker's counters (multiprocess mode) or this process's, plus the gauges."""
    scrape = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(CALLBACKS)
        scrape.register(CALLBACK_SECONDS)
    scrape.register(DatabaseCollector())
    return scrape


@require_GET
def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are off: METRICS_TOKEN is empty")
    given = request.META.get("HTTP_AUTHORIZATION", "").encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        response = HttpResponse("a bearer token is required\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
