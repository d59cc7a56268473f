"""GET /metrics (CONTRACT 11): the token, the callback counters and the database gauges."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from auctions.models import Notification, PaymentStatus, Reconciliation

pytestmark = pytest.mark.django_db
TOKEN = "metrics-TOKEN-8c1e"


def samples(text: str) -> dict:
    """{(name, ((label, value), ...)): value} of a Prometheus text answer."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def read() -> dict:
        answer = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith("text/plain")
        return samples(answer.content.decode())

    return read


def callbacks(metrics: dict, provider: str, method: str, outcome: str) -> float:
    labels = (("method", method), ("outcome", outcome), ("provider", provider))
    return metrics.get(("kvartirabar_callbacks_total", labels), 0)


def test_metrics_are_404_without_a_token_setting(client, settings):
    settings.METRICS_TOKEN = ""

    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")

    assert answer.status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_are_401_without_the_token(client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header else {}

    answer = client.get("/metrics", **extra)

    assert answer.status_code == 401
    assert TOKEN not in answer.content.decode()


def test_callbacks_are_counted_by_provider_method_and_outcome(client, scrape):
    before = scrape()

    client.post("/api/payments/click/prepare/", {})  # -8: refused
    client.post("/api/auctions/click/complete/", {})
    client.post(
        "/api/payments/payme/",
        b'{"method": "CheckPerformTransaction", "params": {}, "id": 1}',
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic bad",
    )
    client.post(
        "/api/payments/payme/", b"{", content_type="application/json", HTTP_AUTHORIZATION="x"
    )
    client.get("/api/payments/medogram/callback/", {"trans_id": "1", "id_get": "2"})
    after = scrape()

    def grew(*labels):
        return callbacks(after, *labels) - callbacks(before, *labels)

    assert grew("click", "prepare", "refused") == 1
    assert grew("click", "complete", "refused") == 1
    assert grew("payme", "CheckPerformTransaction", "unauthorized") == 1
    assert grew("payme", "other", "unauthorized") == 1
    assert grew("medogram", "callback", "refused") == 1
    count = ("kvartirabar_callback_seconds_count", (("method", "prepare"), ("provider", "click")))
    assert after[count] - before.get(count, 0) == 1


def test_gauges_read_payments_deposits_and_the_outbox(scrape, make_payment):
    make_payment("click")
    make_payment("click", status=PaymentStatus.FAILED)
    make_payment("payme", status=PaymentStatus.COMPLETED)
    Notification.objects.create(event="fee_paid", arguments=[1])
    Reconciliation.objects.create(
        payment=make_payment("medogram"),
        provider="medogram",
        our_status="processing",
        provider_status="?",
        is_open=True,
    )

    metrics = scrape()

    def payments(provider, status):
        return metrics[("kvartirabar_payments", (("provider", provider), ("status", status)))]

    assert payments("click", "pending") == 1
    assert payments("click", "failed") == 1
    assert payments("payme", "completed") == 1
    assert payments("medogram", "refunded") == 0
    deposits = {
        labels[0][1]: value
        for (name, labels), value in metrics.items()
        if name == "kvartirabar_deposits"
    }
    assert deposits == dict.fromkeys(["processing", "held", "failed", "released", "charged"], 0)
    assert metrics[("kvartirabar_outbox_backlog", ())] == 1
    assert metrics[("kvartirabar_discrepancies_open", (("provider", "medogram"),))] == 1
    assert metrics[("kvartirabar_discrepancies_open", (("provider", "click"),))] == 0
