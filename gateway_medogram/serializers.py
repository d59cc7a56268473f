from rest_framework import serializers

from auctions.models import AuctionPayment


class MedogramPaymentSerializer(serializers.ModelSerializer):
    """A Medogram payment's status: our ids and the gateway's tracking code, no personal data."""

    transaction_id = serializers.CharField(source="merchant_trans_id")
    status_display = serializers.CharField(source="get_status_display")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    gateway_tracking_code = serializers.SerializerMethodField()

    class Meta:
        model = AuctionPayment
        fields = [
            "transaction_id",
            "status",
            "status_display",
            "amount",
            "currency",
            "auction",
            "gateway_tracking_code",
            "created_at",
            "completed_at",
        ]

    def get_gateway_tracking_code(self, payment) -> str | None:
        medogram = getattr(payment, "medogram", None)
        return (medogram.tracking_code or None) if medogram else None
