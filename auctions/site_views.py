from django.shortcuts import get_object_or_404, render

from . import services
from .models import AuctionPayment


def home(request):
    auctions = services.visible_auctions(request.user).filter(is_paid=True)[:50]
    return render(request, "auctions/home.html", {"auctions": auctions})


def payment_result(request, merchant_trans_id: str):
    """The page a provider sends the seller back to: the payment's status, no personal data."""
    payment = get_object_or_404(
        AuctionPayment.objects.select_related("auction"), merchant_trans_id=merchant_trans_id
    )
    return render(request, "auctions/payment_result.html", {"payment": payment})
