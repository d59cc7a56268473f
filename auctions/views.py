"""The seller API of CONTRACT 2."""

import re

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from . import deposit_flow, login_limit, providers, services
from .models import Auction, AuctionPayment, Bid, Deposit, Listing
from .money import format_sum
from .serializers import (
    AuctionSerializer,
    BidSerializer,
    DepositRequestSerializer,
    DepositSerializer,
    ListingSerializer,
    PaymentSerializer,
    RegisterSerializer,
    StartedPaymentSerializer,
    StartPaymentSerializer,
)

IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")


class IsOwnerOrReadOnly(permissions.BasePermission):
    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or obj.owner_id == request.user.pk


class RegisterView(generics.CreateAPIView):
    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        return Response({"id": user.pk, "username": user.username}, status.HTTP_201_CREATED)


class TokenView(ObtainAuthToken):
    """DRF's token view; 429 after 10 failed attempts for the username."""

    def post(self, request, *args, **kwargs):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        wait = login_limit.retry_after(username)
        if wait is not None:
            raise Throttled(wait=wait, detail=login_limit.blocked_message(wait))
        return super().post(request, *args, **kwargs)


class ListingViewSet(viewsets.ModelViewSet):
    serializer_class = ListingSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    queryset = Listing.objects.all()
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        listings = Listing.objects.all()
        if self.request.query_params.get("mine") and self.request.user.is_authenticated:
            listings = listings.filter(owner=self.request.user)
        return listings

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)

    def update(self, request, *args, **kwargs):
        """The owner's edit (403 for others), 409 once an auction of it is paid."""
        with transaction.atomic():
            services.lock_listing_for_edit(self.get_object().pk)
            return super().update(request, *args, **kwargs)


class AuctionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AuctionSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return services.visible_auctions(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        try:
            serializer.instance = services.create_auction(
                listing=data.pop("listing"), seller=self.request.user, **data
            )
        except services.AuctionInvalid as error:
            raise ValidationError(error.errors) from None

    @extend_schema(
        request=StartPaymentSerializer,
        responses={201: StartedPaymentSerializer, 200: StartedPaymentSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def payments(self, request, pk=None):
        # Every auction id is looked up, so a buyer gets 403 "only the seller", not 404.
        auction = get_object_or_404(Auction.objects.all(), pk=pk)
        body = StartPaymentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data.get("card") is not None:
            return self._card_payment(request, auction, body.validated_data)
        payment, created, pay_url = services.start_payment(
            auction_id=auction.pk,
            user=request.user,
            provider_name=body.validated_data["provider"],
            request=request,
        )
        answer = {
            "merchant_trans_id": payment.merchant_trans_id,
            "provider": payment.provider,
            "amount": format_sum(payment.amount),
            "currency": payment.currency,
            "status": payment.status,
            "pay_url": pay_url,
        }
        return Response(answer, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _card_payment(self, request, auction, data):
        provider = providers.offered(data["provider"])
        if provider is None or provider.card_payment is None:
            raise ValidationError({"card": "This provider takes no saved card."})
        _payment, answer = provider.card_payment(
            auction_id=auction.pk, user=request.user, card_id=data["card"], request=request
        )
        return Response(answer, status.HTTP_201_CREATED)

    @extend_schema(
        request=DepositRequestSerializer, responses={200: DepositSerializer, 201: DepositSerializer}
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[IsAuthenticated])
    def deposit(self, request, pk=None):
        """The caller's deposit for this auction (GET), or hold it on a saved card (POST)."""
        if request.method == "GET":
            deposit = deposit_flow.current_deposit(int(pk), request.user)
            if deposit is None:
                raise Deposit.DoesNotExist
            return Response(DepositSerializer(deposit).data)
        body = DepositRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        get_object_or_404(services.visible_auctions(request.user), pk=pk)
        deposit, created = deposit_flow.hold_deposit(
            auction_id=int(pk), bidder=request.user, card_id=body.validated_data["card"]
        )
        return Response(
            DepositSerializer(deposit).data,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["get", "post"], serializer_class=BidSerializer)
    def bids(self, request, pk=None):
        context = {"request": request}
        if request.method == "GET":
            auction = self.get_object()
            bids = Bid.objects.filter(auction=auction, voided_at__isnull=True).order_by(
                "-amount", "-id"
            )
            page = self.paginate_queryset(bids)
            if page is not None:
                return self.get_paginated_response(
                    BidSerializer(page, many=True, context=context).data
                )
            return Response(BidSerializer(bids, many=True, context=context).data)
        if not request.user.is_authenticated:
            self.permission_denied(request)
        body = BidSerializer(data=request.data, context=context)
        body.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
            raise ValidationError(
                {"Idempotency-Key": "Use 1 to 100 printable ASCII characters, no spaces."}
            )
        # place_bid locks and reads the auction itself (404 when unknown or not visible).
        bid, created = services.place_bid(
            auction_id=int(pk),
            bidder=request.user,
            amount=body.validated_data["amount"],
            idempotency_key=key,
        )
        return Response(
            BidSerializer(bid, context=context).data,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PaymentDetailView(generics.RetrieveAPIView):
    serializer_class = PaymentSerializer
    permission_classes = [IsAuthenticated]
    lookup_field = "merchant_trans_id"

    def get_object(self):
        payment = get_object_or_404(
            AuctionPayment.objects.select_related("auction"),
            merchant_trans_id=self.kwargs["merchant_trans_id"],
        )
        user = self.request.user
        if payment.auction.seller_id != user.pk and not user.is_staff:
            self.permission_denied(self.request, message="Only the seller can see this payment.")
        return payment
