"""After the load: what the database must show (exactly-once payments, rising bids)."""

from django.apps import apps
from django.db.models import Count, Q


def _models():
    return (
        apps.get_model("auctions.AuctionPayment"),
        apps.get_model("auctions.PaymentEvent"),
        apps.get_model("auctions.Bid"),
        apps.get_model("auctions.Auction"),
    )


def baseline() -> dict[str, int]:
    """The counts the scenarios start from (the seeded completed payments)."""
    payment, _event, bid, _auction = _models()
    return {
        "completed": {
            provider: payment.objects.filter(status="completed", provider=provider).count()
            for provider in ("click", "payme")
        },
        "bids": bid.objects.count(),
    }


def payment_rows() -> int:
    return _models()[0].objects.count()


def run(results, start: dict, hot_auction_id: int, bidders: int) -> list:
    from bench.run import Check

    payment, event, bid, auction = _models()
    by_name = {result.name: result for result in results}
    checks = []

    # Each completed payment: exactly one PaymentEvent to completed (the run's and the seed's).
    wrong_events = (
        payment.objects.filter(status="completed")
        .annotate(completions=Count("events", filter=Q(events__to_status="completed")))
        .exclude(completions=1)
        .count()
    )
    stray_events = (
        event.objects.filter(to_status="completed")
        .exclude(payment__status__in=("completed", "refunded"))
        .count()
    )
    checks.append(
        Check(
            "each completed payment completed exactly once",
            wrong_events == 0 and stray_events == 0,
            f"{wrong_events} completed payments without exactly one completion event, "
            f"{stray_events} completion events on payments that are not completed",
        )
    )

    paid_twice = (
        payment.objects.filter(status="completed")
        .values("auction_id")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .count()
    )
    unpaid = payment.objects.filter(status="completed", auction__is_paid=False).count()
    checks.append(
        Check(
            "no auction paid twice",
            paid_twice == 0 and unpaid == 0,
            f"{paid_twice} auctions with more than one completed payment, "
            f"{unpaid} completed payments whose auction is not paid",
        )
    )

    for name, provider in (("click_pair", "click"), ("payme_pair", "payme")):
        result = by_name.get(name)
        if result is None:
            continue
        completed = (
            payment.objects.filter(status="completed", provider=provider).count()
            - start["completed"][provider]
        )
        # wrk stops mid-pair: a Complete/Perform in flight at the end completes unseen.
        passed = result.ok <= completed <= result.ok + result.connections
        checks.append(
            Check(
                f"{provider}: payments completed = pairs answered",
                passed and result.ok > 0,
                f"{completed} {provider} payments completed in the run, {result.ok} pairs "
                f"answered success (allowed in flight at the stop: {result.connections})",
            )
        )

    result = by_name.get("bids")
    if result is not None:
        hot = auction.objects.get(pk=hot_auction_id)
        amounts = list(
            bid.objects.filter(auction_id=hot_auction_id, voided_at__isnull=True)
            .order_by("id")
            .values_list("amount", flat=True)
        )
        rising = all(low < high for low, high in zip(amounts, amounts[1:], strict=False))
        placed = len(amounts)
        consistent = hot.bid_count == placed and (not amounts or hot.current_price == max(amounts))
        checks.append(
            Check(
                "hot auction's bids strictly increasing",
                rising and consistent and result.ok <= placed <= result.ok + bidders,
                f"{placed} bids stored, {result.ok} answered 201, rising={rising}, "
                f"bid_count={hot.bid_count}, current_price={hot.current_price}",
            )
        )
    return checks
