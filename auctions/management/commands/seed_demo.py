"""Create demo accounts, listings with photos, live and upcoming auctions with bids, and
print the logins (idempotent: a second run adds nothing)."""

import datetime
import io
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from auctions import payment_flow, queries
from auctions.models import Auction, AuctionPayment, Bid, Listing, ListingPhoto, User

DEMO_PASSWORD = "kvartirabar-demo"  # noqa: S105 -- printed demo login, local data only
MILLION = Decimal("1000000")

# title, address, rooms, area, floor, price in millions, hours from now to start, to end,
# bids (in increments), palette; titles in Uzbek and Russian as sellers here write them.
# The upcoming Olmazor auction (no bids yet) asks each bidder to hold this share of its
# starting price on a saved card first: the site's deposit flow, with the Payme sandbox.
DEPOSIT_LISTING, DEPOSIT_SHARE = 4, Decimal("0.05")
LISTINGS = [
    (
        "Yunusoboddagi 3 xonali kvartira, ta'mirlangan",
        "Toshkent, Yunusobod 11-mavze, 23-uy",
        3,
        "78.40",
        4,
        650,
        -30,
        40,
        6,
        ((70, 130, 180), (226, 214, 190)),
    ),
    (
        "2-комнатная квартира у метро Чиланзар",
        "Ташкент, Чиланзар 9, дом 14",
        2,
        "54.00",
        2,
        420,
        -5,
        6,
        4,
        ((214, 120, 80), (240, 232, 218)),
    ),
    (
        "Mirzo Ulug'bekdagi yangi uyda 4 xonali",
        "Toshkent, Mirzo Ulug'bek, Buyuk Ipak Yo'li 150",
        4,
        "112.00",
        7,
        980,
        -60,
        72,
        3,
        ((90, 110, 90), (236, 226, 205)),
    ),
    (
        "Студия в новостройке, Сергели",
        "Ташкент, Сергели 7, дом 3",
        1,
        "36.50",
        9,
        280,
        20,
        96,
        0,
        ((120, 90, 160), (232, 228, 240)),
    ),
    (
        "Olmazordagi 2 xonali, hovlisi bilan",
        "Toshkent, Olmazor, Qorasaroy 40",
        2,
        "61.20",
        1,
        390,
        48,
        150,
        0,
        ((160, 60, 60), (238, 226, 214)),
    ),
]


def facade(size, palette, seed: int) -> bytes:
    """A block of flats against the sky, drawn with Pillow."""
    rng = random.Random(seed)  # noqa: S311 -- window lights of a demo picture
    width, height = size
    wall, light = palette
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for row in range(height):  # sky: a vertical gradient
        shade = row / height
        draw.line(
            [(0, row), (width, row)],
            fill=(int(120 + 100 * shade), int(170 + 60 * shade), int(230 - 10 * shade)),
        )
    left, top = int(width * 0.14), int(height * 0.16)
    draw.rectangle([left, top, width - left, height], fill=wall)
    draw.rectangle([left - 10, top - 14, width - left + 10, top], fill=tuple(c // 2 for c in wall))
    columns, floors = 8, 9
    cell_w = (width - 2 * left) / columns
    cell_h = (height - top) / floors
    for floor in range(floors):
        for column in range(columns):
            x = left + column * cell_w + cell_w * 0.22
            y = top + floor * cell_h + cell_h * 0.22
            lit = rng.random() < 0.35
            draw.rectangle(
                [x, y, x + cell_w * 0.56, y + cell_h * 0.56],
                fill=(250, 226, 150) if lit else (60, 80, 105),
                outline=light,
                width=2,
            )
    draw.rectangle([0, int(height * 0.93), width, height], fill=(96, 140, 80))
    return _png(image)


def room(size, palette, seed: int) -> bytes:
    """A room with a window, a floor and a sofa, drawn with Pillow."""
    rng = random.Random(seed)  # noqa: S311 -- window lights of a demo picture
    width, height = size
    wall, light = palette
    image = Image.new("RGB", size, light)
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.68)
    draw.rectangle([0, horizon, width, height], fill=(150, 110, 75))
    for plank in range(0, width, 48):
        draw.line([(plank, horizon), (plank - 60, height)], fill=(128, 92, 60), width=2)
    wx, wy = int(width * (0.45 + rng.random() * 0.1)), int(height * 0.14)
    draw.rectangle([wx, wy, wx + int(width * 0.3), wy + int(height * 0.4)], fill=(170, 210, 240))
    draw.rectangle(
        [wx, wy, wx + int(width * 0.3), wy + int(height * 0.4)], outline=(255, 255, 255), width=8
    )
    draw.line(
        [(wx + int(width * 0.15), wy), (wx + int(width * 0.15), wy + int(height * 0.4))],
        fill=(255, 255, 255),
        width=6,
    )
    sx, sy = int(width * 0.08), int(height * 0.5)
    draw.rounded_rectangle([sx, sy, sx + int(width * 0.32), horizon + 30], 18, fill=wall)
    draw.rounded_rectangle([sx + 10, sy - 40, sx + int(width * 0.32) - 10, sy + 20], 16, fill=wall)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class Command(BaseCommand):
    help = (
        "Create demo users (admin, seller, bidder, bidder2), listings with photos, and live "
        "and upcoming auctions with bids."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            admin = self._user("admin", is_staff=True, is_superuser=True)
            seller = self._user("seller", phone="+998901234567")
            bidders = [
                self._user("bidder", phone="+998907654321"),
                self._user("bidder2"),
                self._user("bidder3"),
            ]
            created = 0
            if not Listing.objects.filter(owner=seller).exists():
                created = self._listings(seller, bidders)
        if created:
            self.stdout.write(f"Created {created} listings with photos, auctions and bids.")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        for name in ("admin", "seller", "bidder", "bidder2", "bidder3"):
            self.stdout.write(f"  {name} / {DEMO_PASSWORD}")
        self.stdout.write(f"  admin site: /admin/ as {admin.username}")

    def _user(self, username, **fields) -> User:
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _listings(self, seller, bidders) -> int:
        now = timezone.now()
        for number, row in enumerate(LISTINGS):
            title, address, rooms, area, floor, millions, start, end, bids, palette = row
            listing = Listing.objects.create(
                owner=seller,
                title=title,
                description=(
                    "Demo: ta'mirlangan, metro yaqinida. / Демо: после ремонта, рядом метро."
                ),
                address=address,
                rooms=rooms,
                area=Decimal(area),
                floor=floor,
            )
            self._photos(listing, palette, number)
            price = Decimal(millions) * MILLION
            step = (price / 100).quantize(MILLION) or MILLION
            auction = Auction.objects.create(
                listing=listing,
                seller=seller,
                starting_price=price,
                min_increment=step,
                reserve_price=price + step * 4 if number % 2 == 0 else None,
                deposit=price * DEPOSIT_SHARE if number == DEPOSIT_LISTING else Decimal("0"),
                start_time=now + datetime.timedelta(hours=start),
                end_time=now + datetime.timedelta(hours=end),
            )
            paid = AuctionPayment.objects.create(
                auction=auction, provider="click", amount=Decimal("50000"), currency="UZS"
            )
            payment_flow.complete_payment(paid.pk, cause="demo", reference={"seed": "demo"})
            self._bids(auction, bidders, bids, now)
        # One auction left unpaid, so the seller's pay page has something to show.
        draft = Listing.objects.create(
            owner=seller,
            title="Shayxontohurdagi 3 xonali, metro yonida",
            description="Demo: to'lov kutilmoqda. / Демо: ожидает оплаты.",
            address="Toshkent, Shayxontohur, Navoiy 12",
            rooms=3,
            area=Decimal("70.00"),
            floor=3,
        )
        self._photos(draft, ((70, 110, 150), (230, 226, 218)), len(LISTINGS))
        Auction.objects.create(
            listing=draft,
            seller=seller,
            starting_price=Decimal("560000000"),
            min_increment=Decimal("5000000"),
            start_time=now + datetime.timedelta(days=1),
            end_time=now + datetime.timedelta(days=4),
        )
        return len(LISTINGS) + 1

    def _photos(self, listing, palette, number) -> None:
        pictures = [
            facade((1200, 800), palette, number),
            room((1200, 800), palette, number + 10),
            room((1200, 800), palette[::-1], number + 20),
        ]
        for position, data in enumerate(pictures):
            photo = ListingPhoto(listing=listing, position=position)
            photo.image.save(f"demo-{number}-{position}.png", ContentFile(data), save=False)
            photo.save()

    def _bids(self, auction, bidders, count, now) -> None:
        """A history of bids spread over the time the auction has run."""
        if not count:
            return
        auction.refresh_from_db()
        amount = auction.starting_price
        started = auction.start_time
        numbers = {}
        for index in range(count):
            bidder = bidders[index % len(bidders)]
            numbers.setdefault(bidder.pk, len(numbers) + 1)
            moment = started + (now - started) * (index + 1) / (count + 1)
            queries.insert(
                Bid(
                    auction=auction,
                    bidder=bidder,
                    amount=amount,
                    bidder_number=numbers[bidder.pk],
                    created_at=moment,
                )
            )
            leader = bidder
            auction.current_price = amount
            amount += auction.min_increment * (1 + index % 3)
        auction.bid_count = count
        auction.bidder_count = len(numbers)
        auction.leader = leader
        queries.update(auction, ["current_price", "bid_count", "bidder_count", "leader"])
