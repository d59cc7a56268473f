from decimal import Decimal

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import services
from .models import PHONE_PATTERN, Auction, AuctionPayment, Bid, Listing
from .money import parse_sum

User = get_user_model()
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}


class PlainMoneyField(serializers.DecimalField):
    """An amount in sum as digits with at most two decimals (CONTRACT 2): "1e10", "+5",
    " 5", "NaN" and JSON floats are refused; a JSON integer is read as its digits."""

    default_error_messages = {
        "plain": _("Enter an amount in digits with at most 2 decimals, e.g. 501000000.50.")
    }

    def __init__(self, **options):
        super().__init__(**(MONEY | options))

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        try:
            parse_sum(data)
        except ValueError:
            self.fail("plain")
        return super().to_internal_value(data)


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    password = serializers.CharField(write_only=True, max_length=128)
    phone = serializers.RegexField(f"^{PHONE_PATTERN}$", required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("This username is taken.")
        return value

    def validate(self, attrs):
        try:
            # Django's validators, the similarity one against the username and email.
            candidate = User(username=attrs["username"], email=attrs.get("email", ""))
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs

    def create(self, validated_data):
        try:
            return services.register_user(
                username=validated_data["username"],
                password=validated_data["password"],
                email=validated_data.get("email", ""),
                phone=validated_data.get("phone", ""),
            )
        except services.UsernameTaken as error:
            raise serializers.ValidationError({"username": [error.message]}) from None


class ListingSerializer(serializers.ModelSerializer):
    owner = serializers.ReadOnlyField(source="owner_id")
    area = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("1"))
    rooms = serializers.IntegerField(min_value=1, max_value=100)
    floor = serializers.IntegerField(min_value=-5, max_value=200, required=False, allow_null=True)

    class Meta:
        model = Listing
        fields = [
            "id",
            "owner",
            "title",
            "description",
            "address",
            "rooms",
            "area",
            "floor",
            "created_at",
        ]
        read_only_fields = ["id", "owner", "created_at"]


class AuctionSerializer(serializers.ModelSerializer):
    listing = serializers.PrimaryKeyRelatedField(queryset=Listing.objects.all())
    starting_price = PlainMoneyField()
    min_increment = PlainMoneyField()
    reserve_price = PlainMoneyField(required=False, allow_null=True)
    deposit = PlainMoneyField(
        min_value=Decimal("0"),
        required=False,
        default=Decimal("0"),
        help_text="The sum a bidder must hold on a card before bidding (0: none).",
    )
    status = serializers.SerializerMethodField()
    current_price = serializers.SerializerMethodField()
    reserve_met = serializers.SerializerMethodField()

    class Meta:
        model = Auction
        fields = [
            "id",
            "listing",
            "seller",
            "status",
            "is_paid",
            "start_time",
            "end_time",
            "starting_price",
            "min_increment",
            "reserve_price",
            "current_price",
            "bid_count",
            "deposit",
            "reserve_met",
            "created_at",
        ]
        read_only_fields = ["id", "seller", "is_paid", "bid_count", "created_at"]

    def get_status(self, auction: Auction) -> str:
        return auction.current_status()

    def get_current_price(self, auction: Auction) -> str:
        return str(auction.price)

    def get_reserve_met(self, auction: Auction) -> bool | None:
        return auction.reserve_met()

    def to_representation(self, auction: Auction):
        data = super().to_representation(auction)
        user = self.context["request"].user
        if auction.seller_id != user.pk:
            del data["reserve_price"]  # the reserve is hidden from everyone but the seller
        return data

    def validate(self, attrs):
        errors = services.validate_auction(
            listing=attrs["listing"],
            seller=self.context["request"].user,
            starting_price=attrs["starting_price"],
            min_increment=attrs["min_increment"],
            reserve_price=attrs.get("reserve_price"),
            start_time=attrs["start_time"],
            end_time=attrs["end_time"],
            deposit=attrs.get("deposit"),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class BidSerializer(serializers.Serializer):
    """A bid as anyone may read it. Plain fields: a ModelSerializer would rebuild them from
    the model on every instance, twice per bid on the hot path."""

    id = serializers.IntegerField(read_only=True)
    auction = serializers.IntegerField(source="auction_id", read_only=True)
    amount = PlainMoneyField()
    bidder = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_bidder(self, bid: Bid) -> str:
        return services.bidder_alias(bid.bidder_number)  # never the username

    def get_is_mine(self, bid: Bid) -> bool:
        return bid.bidder_id == self.context["request"].user.pk


class StartPaymentSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=40)
    card = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="A saved card's id"
    )


class DepositRequestSerializer(serializers.Serializer):
    card = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class DepositSerializer(serializers.Serializer):
    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    created_at = serializers.DateTimeField()
    failure_reason = serializers.SerializerMethodField()

    def get_failure_reason(self, deposit) -> str | None:
        from .money import localized_reason

        return localized_reason(deposit.failure_reason) if deposit.status == "failed" else None


class StartedPaymentSerializer(serializers.Serializer):
    """The answer to starting a payment: where the seller pays, and how much."""

    merchant_trans_id = serializers.CharField()
    provider = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.CharField()
    pay_url = serializers.URLField()


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuctionPayment
        fields = [
            "merchant_trans_id",
            "provider",
            "amount",
            "currency",
            "status",
            "auction",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields
