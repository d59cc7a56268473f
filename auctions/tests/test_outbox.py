"""The notification outbox: one event's failure touches no other event (issue 11, item 8)."""

import pytest
from django.core import mail
from django.db import connection

from auctions import notifications
from auctions.models import Notification, PaymentStatus
from auctions.tests.factories import PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fee_paid_events(settings):
    """Three fee_paid events whose sellers have an email address each."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    events = []
    for number in range(3):
        seller = UserFactory(username=f"mailed{number}", email=f"seller{number}@example.uz")
        payment = PaymentFactory(
            auction__listing__owner=seller, auction__seller=seller, status=PaymentStatus.COMPLETED
        )
        events.append(Notification.objects.create(event="fee_paid", arguments=[payment.pk]))
    return events


@pytest.fixture
def refuse_to_mark_sent():
    """refuse(id): the database raises when that event is marked sent, as a lost
    connection or a constraint would."""
    table = Notification._meta.db_table

    def refuse(notification_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION refuse_sent() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_sent BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN (NEW.sent_at IS NOT NULL AND NEW.id = {int(notification_id)}) "
                "EXECUTE FUNCTION refuse_sent()"
            )

    yield refuse
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS refuse_sent ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS refuse_sent()")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_error_on_one_event_keeps_the_others_sent(fee_paid_events, refuse_to_mark_sent):
    first, failing, last = fee_paid_events
    refuse_to_mark_sent(failing.pk)

    handled = notifications.deliver_outbox()

    assert handled == 2
    for sent in (first, last):
        sent.refresh_from_db()
        assert sent.sent_at is not None
    failing.refresh_from_db()
    assert (failing.sent_at, failing.attempts) == (None, 1)
    assert "refused by the test" in failing.last_error
    # The next run retries only the failed event: nobody gets a mail twice.
    mail.outbox.clear()
    notifications.deliver_outbox()
    assert [message.to for message in mail.outbox] == [["seller1@example.uz"]]


def test_a_failing_event_between_two_good_ones_keeps_their_marks(fee_paid_events):
    first, _, last = fee_paid_events
    broken = Notification.objects.create(event="fee_paid", arguments=["not-an-id"])

    notifications.deliver_outbox()

    broken.refresh_from_db()
    assert (broken.sent_at, broken.attempts) == (None, 1)
    assert Notification.objects.filter(sent_at__isnull=False).count() == 3
