import datetime
from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone

from auctions.models import Auction, AuctionPayment, AuctionStatus, Bid, Listing, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-42")


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"2-room apartment #{n}")
    description = "Bright, renovated, near the metro."
    address = "Tashkent, Yunusabad 4, 12"
    rooms = 2
    area = Decimal("54.50")
    floor = 3


class AuctionFactory(factory.django.DjangoModelFactory):
    """An unpaid auction starting in an hour and lasting a day."""

    class Meta:
        model = Auction

    listing = factory.SubFactory(ListingFactory)
    seller = factory.SelfAttribute("listing.owner")
    starting_price = Decimal("500000000.00")
    min_increment = Decimal("1000000.00")
    start_time = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=1))
    end_time = factory.LazyAttribute(lambda o: o.start_time + datetime.timedelta(days=1))
    status = AuctionStatus.PENDING_PAYMENT
    is_paid = False


class ActiveAuctionFactory(AuctionFactory):
    """A paid auction that started a minute ago and ends in a day."""

    start_time = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=1))
    status = AuctionStatus.ACTIVE
    is_paid = True
    paid_at = factory.LazyFunction(timezone.now)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuctionPayment

    auction = factory.SubFactory(AuctionFactory)
    provider = "click"
    amount = factory.LazyFunction(lambda: settings.AUCTION_LISTING_FEE)
    currency = "UZS"


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bid

    auction = factory.SubFactory(ActiveAuctionFactory)
    bidder = factory.SubFactory(UserFactory)
    amount = factory.LazyAttribute(lambda o: o.auction.starting_price)
    # The alias place_bid would give: the bidder's earlier number, else the next one.
    bidder_number = factory.LazyAttribute(
        lambda o: Bid.objects.filter(auction=o.auction, bidder=o.bidder)
        .values_list("bidder_number", flat=True)
        .first()
        or Bid.objects.filter(auction=o.auction).values("bidder").distinct().count() + 1
    )
