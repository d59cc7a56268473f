"""Refund through the provider from the payments changelist, as a staff user does (tests)."""

CHANGELIST = "/admin/auctions/auctionpayment/"


def refund(client, payment, note=""):
    """Run the `refund_through_provider` admin action on `payment`; the final response."""
    return client.post(
        CHANGELIST,
        {
            "action": "refund_through_provider",
            "_selected_action": [payment.pk],
            "apply": "1",
            "note": note,
        },
        follow=True,
    )
