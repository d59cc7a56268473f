"""Create demo accounts, a listing and auctions, and print the logins (idempotent)."""

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from auctions import payment_flow
from auctions.models import Auction, AuctionPayment, Listing, User

DEMO_PASSWORD = "kvartirabar-demo"  # noqa: S105 -- printed demo login, local data only


class Command(BaseCommand):
    help = "Create demo users (admin, seller, bidder, bidder2), listings and auctions."

    def handle(self, *args, **options):
        with transaction.atomic():
            admin = self._user("admin", is_staff=True, is_superuser=True)
            seller = self._user("seller", phone="+998901234567")
            self._user("bidder", phone="+998907654321")
            self._user("bidder2")
            if not Listing.objects.filter(owner=seller).exists():
                self._listings(seller)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        for name in ("admin", "seller", "bidder", "bidder2"):
            self.stdout.write(f"  {name} / {DEMO_PASSWORD}")
        self.stdout.write(f"  admin site: /admin/ as {admin.username}")

    def _user(self, username, **fields) -> User:
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _listings(self, seller) -> None:
        now = timezone.now()
        live = Listing.objects.create(
            owner=seller,
            title="3-room apartment in Yunusabad",
            description="Renovated, 4th floor of 9, two balconies, 5 minutes to the metro.",
            address="Tashkent, Yunusabad 11, 23",
            rooms=3,
            area=Decimal("78.40"),
            floor=4,
        )
        live_auction = Auction.objects.create(
            listing=live,
            seller=seller,
            starting_price=Decimal("650000000"),
            min_increment=Decimal("5000000"),
            reserve_price=Decimal("700000000"),
            start_time=now - datetime.timedelta(minutes=5),
            end_time=now + datetime.timedelta(days=2),
        )
        paid = AuctionPayment.objects.create(
            auction=live_auction, provider="click", amount=Decimal("50000"), currency="UZS"
        )
        payment_flow.complete_payment(paid.pk, cause="demo", reference={"seed": "demo"})
        upcoming = Listing.objects.create(
            owner=seller,
            title="1-room studio in Chilonzor",
            description="Quiet courtyard, new kitchen.",
            address="Tashkent, Chilonzor 9, 14",
            rooms=1,
            area=Decimal("36.00"),
            floor=2,
        )
        Auction.objects.create(
            listing=upcoming,
            seller=seller,
            starting_price=Decimal("320000000"),
            min_increment=Decimal("2000000"),
            start_time=now + datetime.timedelta(days=1),
            end_time=now + datetime.timedelta(days=4),
        )
