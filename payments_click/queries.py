"""Click's hot statements, written out (auctions/queries.py says when and why)."""

from auctions.queries import lock_row

from .models import ClickTransaction


def lock_prepared_row(
    merchant_prepare_id: int, payment_id: int, click_trans_id: int
) -> ClickTransaction | None:
    """Complete's row, locked: ours (merchant_prepare_id), of this payment, for this
    click_trans_id (PROVIDERS 1.6 step 7); None when any of the three does not match."""
    return lock_row(
        ClickTransaction,
        "r.id = %s AND r.payment_id = %s AND r.click_trans_id = %s",
        [merchant_prepare_id, payment_id, click_trans_id],
    )
