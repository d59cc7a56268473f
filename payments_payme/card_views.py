"""The saved cards API of CONTRACT 9 and the website's "My cards" page."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from auctions.models import Auction

from . import cards
from .models import SavedCard


class SavedCardSerializer(serializers.ModelSerializer):
    """A card as it is shown: never its token."""

    class Meta:
        model = SavedCard
        fields = ["id", "number", "expire", "created_at"]
        read_only_fields = fields


class AddCardSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=2000, trim_whitespace=True)

    def validate_token(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("The token holds a character it cannot have.")
        return value


class CardViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]
    lookup_value_regex = "[0-9]{1,18}"

    @extend_schema(responses={200: SavedCardSerializer(many=True)})
    def list(self, request):
        return Response(SavedCardSerializer(cards.user_cards(request.user), many=True).data)

    @extend_schema(request=AddCardSerializer, responses={201: SavedCardSerializer})
    def create(self, request):
        body = AddCardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = cards.add_card(request.user, body.validated_data["token"])
        return Response(SavedCardSerializer(card).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        cards.remove_card(request.user, int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def form_id(value: object) -> int:
    """A row id from a form field; 0 (no such row) for anything else."""
    text = value if isinstance(value, str) else ""
    return int(text) if text.isdigit() and 0 < len(text) <= 18 and text.isascii() else 0


def subscribe_origin() -> str:
    """The Subscribe API's origin, the one place the card page's script may connect to."""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.PAYME_SUBSCRIBE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def _allow_subscribe_origin(view):
    """CSP connect-src: exactly the Subscribe API's origin, read when the page is served."""

    def wrapped(request, *args, **kwargs):
        return csp_update({"connect-src": [subscribe_origin()]})(view)(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_allow_subscribe_origin
@login_required
@require_GET
def my_cards(request):
    """List, remove and (with JavaScript, straight to Payme) add saved cards."""
    context = {
        "cards": cards.user_cards(request.user),
        "available": cards.configured(),
        "subscribe_url": settings.PAYME_SUBSCRIBE_URL,
        "merchant_id": settings.PAYME_MERCHANT_ID,
        "test_mode": settings.PAYME_TEST_MODE,
    }
    return render(request, "payments_payme/my_cards.html", context)


@login_required
@require_POST
def remove_card(request, pk: str):
    try:
        cards.remove_card(request.user, int(pk))
    except SavedCard.DoesNotExist:
        messages.error(request, _("No such card."))
    else:
        messages.success(request, _("The card is removed."))
    return redirect("payme-site:my-cards")


@login_required
@require_POST
def pay_with_card(request, pk: str):
    """Charge the listing fee to a saved card; show the result page (or why not)."""
    from auctions import providers
    from auctions.services import DomainError

    pk, card_id = int(pk), form_id(request.POST.get("card"))
    try:
        payment, answer = cards.pay_with_card(auction_id=pk, user=request.user, card_id=card_id)
    except (SavedCard.DoesNotExist, Auction.DoesNotExist):
        messages.error(request, _("Choose one of your saved cards."))
        return redirect("site:auction-pay", pk=pk)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("site:auction-pay", pk=pk)
    except providers.ProviderUnavailable:
        messages.error(request, _("Payme cannot be reached; please try again later."))
        return redirect("site:auction-pay", pk=pk)
    if answer["status"] == "failed":
        messages.error(
            request, _("The card was refused: %(reason)s") % {"reason": answer["failure_reason"]}
        )
        return redirect("site:auction-pay", pk=pk)
    return redirect("site:payment-result", merchant_trans_id=payment.merchant_trans_id)
