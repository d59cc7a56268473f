"""The floor: a bare Django view doing one indexed SELECT and answering a small JSON."""

from django.http import JsonResponse

from auctions.models import AuctionPayment


def floor(request, merchant_trans_id: str):
    """One AuctionPayment by its unique merchant_trans_id, as JSON (the benchmark's 1.0x)."""
    row = (
        AuctionPayment.objects.filter(merchant_trans_id=merchant_trans_id)
        .values("merchant_trans_id", "status", "amount")
        .first()
    )
    if row is None:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse({**row, "amount": str(row["amount"])})
