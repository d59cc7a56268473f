"""Thin HTTP views: the gateway's browser callback, and the status and list endpoints."""

from django.http import HttpResponseRedirect, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework import generics, permissions
from rest_framework.generics import get_object_or_404

from auctions.models import AuctionPayment

from . import services
from .serializers import MedogramPaymentSerializer


def _prefers_json(request) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request):
    """The gateway sends the payer's browser here with trans_id, id_get and tracking_code."""
    fields = request.GET.dict() | request.POST.dict()
    outcome = services.handle_callback(fields)
    answer = {
        "merchant_trans_id": outcome.merchant_trans_id or None,
        "status": outcome.outcome,
        "detail": outcome.reason,
    }
    status = 200 if outcome.known else 400
    target = services.result_redirect_url(outcome)
    if _prefers_json(request) or target is None:
        return JsonResponse(answer, status=status)
    return HttpResponseRedirect(target)


def medogram_payments():
    return AuctionPayment.objects.filter(provider=services.CAUSE).select_related("medogram")


class PaymentStatusView(generics.RetrieveAPIView):
    """Readable by whoever holds the unguessable id; no personal data."""

    serializer_class = MedogramPaymentSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self):
        return get_object_or_404(
            medogram_payments(), merchant_trans_id=self.kwargs["merchant_trans_id"]
        )


class MyPaymentsView(generics.ListAPIView):
    serializer_class = MedogramPaymentSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if self.request.user.is_staff:
            return medogram_payments()  # staff see every payment (CONTRACT 7)
        return medogram_payments().filter(auction__seller=self.request.user)
