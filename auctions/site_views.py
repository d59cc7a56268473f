"""The server-rendered website: thin views over auctions.services, shared with the API."""

import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Count, DecimalField, Max, Prefetch
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.static import serve

from . import deposit_flow, login_limit, providers, services, site_words
from .forms import AuctionForm, BidForm, HomeFilterForm, ListingForm, SignUpForm, plain_amount
from .models import (
    FINAL_PAYMENT_STATUSES,
    Auction,
    AuctionPayment,
    AuctionStatus,
    Bid,
    DepositStatus,
    Listing,
    ListingPhoto,
    PaymentStatus,
)
from .money import format_money, localized_reason
from .site_chart import bid_chart

logger = logging.getLogger(__name__)

HISTORY_ROWS = 20


def _photos():
    return Prefetch("listing__photos", queryset=ListingPhoto.objects.order_by("position", "id"))


def _local(moment) -> str:
    """A date and time in the reader's language, in Tashkent time."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


# Browsing


@require_GET
def home(request):
    """Live and upcoming paid auctions, filtered by rooms, price and address."""
    now = timezone.now()
    auctions = (
        services.visible_auctions(request.user)
        .filter(is_paid=True, status__in=(AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE))
        .filter(end_time__gt=now)
        .annotate(
            shown_price=Coalesce(
                "current_price", "starting_price", output_field=DecimalField(max_digits=14)
            )
        )
        .prefetch_related(_photos())
        .order_by("end_time", "id")
    )
    form = HomeFilterForm(request.GET or None)
    data = form.valid_filters() if form.is_bound else {}
    if data.get("q"):
        auctions = auctions.filter(listing__address__icontains=data["q"])
    if data.get("rooms"):
        rooms = int(data["rooms"])
        lookup = "listing__rooms__gte" if rooms >= 4 else "listing__rooms"
        auctions = auctions.filter(**{lookup: rooms})
    if data.get("price_min") is not None:
        auctions = auctions.filter(shown_price__gte=data["price_min"])
    if data.get("price_max") is not None:
        auctions = auctions.filter(shown_price__lte=data["price_max"])
    auctions = list(auctions[:60])
    for auction in auctions:
        auction.live_status = auction.current_status(now)
        auction.time_left = site_words.countdown(auction.end_time - now)
    return render(request, "auctions/home.html", {"auctions": auctions, "form": form, "now": now})


def _visible_auction(request, pk: int) -> Auction:
    return get_object_or_404(
        services.visible_auctions(request.user)
        .select_related("listing")
        .prefetch_related(_photos()),
        pk=pk,
    )


def _history(auction: Auction, user) -> list[dict]:
    """The newest bids first; bidders only by alias, the reader's own marked."""
    aliases = services.bidder_aliases(auction)
    bids = Bid.objects.filter(auction=auction, voided_at__isnull=True).order_by(
        "-created_at", "-id"
    )[:HISTORY_ROWS]
    return [
        {
            "alias": aliases.get(bid.bidder_id, ""),
            "amount": format_money(bid.amount),
            "time": _local(bid.created_at),
            "mine": user.is_authenticated and bid.bidder_id == user.pk,
        }
        for bid in bids
    ]


def _standing(auction: Auction, user) -> tuple[str, str]:
    """Whether the reader leads or was outbid, for the notice beside the price."""
    if not user.is_authenticated or auction.bid_count == 0 or user.pk == auction.seller_id:
        return "", ""
    if auction.leader_id == user.pk:
        return "leading", _("You lead with %(amount)s.") % {
            "amount": format_money(auction.current_price)
        }
    if Bid.objects.filter(auction=auction, bidder=user, voided_at__isnull=True).exists():
        return "outbid", _("You have been outbid: the price is now %(amount)s.") % {
            "amount": format_money(auction.price)
        }
    return "", ""


def _snapshot(auction: Auction, user) -> dict:
    """What the auction page shows and /live/ answers: price, end, clock, history."""
    now = timezone.now()
    reserve_met = auction.reserve_met()
    status = auction.current_status(now)
    standing, standing_display = _standing(auction, user)
    counting_to = auction.end_time if status == AuctionStatus.ACTIVE else auction.start_time
    return {
        "id": auction.pk,
        "status": status,
        "status_display": site_words.auction_status(status),
        "price": str(auction.price),
        "price_display": format_money(auction.price),
        "price_label": _("Current price") if auction.bid_count else _("Starting price"),
        "next_minimum": plain_amount(auction.next_minimum_bid()),
        "next_minimum_display": format_money(auction.next_minimum_bid()),
        "bid_count": auction.bid_count,
        "bid_count_display": site_words.bids(auction.bid_count),
        "start_time": auction.start_time.isoformat(),
        "end_time": auction.end_time.isoformat(),
        "end_time_display": _local(auction.end_time),
        "time_left_display": site_words.countdown(counting_to - now),
        "now": now.isoformat(),
        "reserve_met": reserve_met,
        "reserve_display": (
            ""
            if reserve_met is None
            else _("Reserve price met")
            if reserve_met
            else _("Reserve price not met")
        ),
        "standing": standing,
        "standing_display": standing_display,
        # The bid form's own check, before the round trip (the server checks again).
        "max_bid": plain_amount(max_bid(auction)),
        "too_low_display": _too_low(auction),
        "too_high_display": _too_high(auction),
        "history": _history(auction, user),
        "chart": bid_chart(auction, now),
    }


def max_bid(auction: Auction):
    """The highest amount a bid may name now (AUCTION_MAX_BID_FACTOR x the next minimum)."""
    return auction.maximum_bid()


def _too_low(auction: Auction) -> str:
    minimum = format_money(auction.next_minimum_bid())
    return _("The bid must be at least %(minimum)s.") % {"minimum": minimum}


def _too_high(auction: Auction) -> str:
    maximum = format_money(max_bid(auction))
    return _("The bid may be at most %(maximum)s; check the number of zeros.") % {
        "maximum": maximum
    }


def _check_amount(form: BidForm, auction: Auction) -> bool:
    """Refuse a too-low or too-high amount before the confirmation, in the reader's money."""
    amount = form.cleaned_data["amount"]
    if amount < auction.next_minimum_bid():
        form.add_error("amount", _too_low(auction))
    elif amount > max_bid(auction):
        form.add_error("amount", _too_high(auction))
    return not form.errors


def _auction_page(request, auction: Auction, *, form=None, confirm=None, refusal=None, status=200):
    snapshot = _snapshot(auction, request.user)
    context = {
        "auction": auction,
        "listing": auction.listing,
        "photos": list(auction.listing.photos.all()),
        "live": snapshot,
        "form": form or BidForm.for_auction(auction),
        "confirm": confirm,
        "refusal": refusal,
        "soft_close_minutes": settings.AUCTION_SOFT_CLOSE_MINUTES,
        "is_seller": request.user.is_authenticated and request.user.pk == auction.seller_id,
        "deposit": _deposit_context(auction, request.user),
    }
    return render(request, "auctions/auction_detail.html", context, status=status)


def _deposit_context(auction: Auction, user) -> dict | None:
    """The deposit rule, the reader's deposit, and what the hold form offers (CONTRACT 9)."""
    if auction.deposit <= 0:
        return None
    mine = deposit_flow.current_deposit(auction.pk, user)
    context = {
        "amount": auction.deposit,
        "mine": mine,
        "failure": localized_reason(mine.failure_reason) if mine else "",
        "needed": user.is_authenticated
        and user.pk != auction.seller_id
        and (mine is None or mine.status != DepositStatus.HELD),
        "can_hold": mine is None or mine.status == DepositStatus.FAILED,
        "cards": [],
        "cards_url": "",
    }
    if context["needed"] and context["can_hold"]:
        try:
            backend = deposit_flow.backend()
        except deposit_flow.DepositError:
            return context
        context["cards"], context["cards_url"] = backend.cards(user), backend.cards_url()
    return context


@require_POST
def auction_deposit(request, pk: int):
    """Hold the auction's deposit on the chosen saved card, then back to the auction."""
    auction = _visible_auction(request, pk)
    if not request.user.is_authenticated:
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={auction_url(auction)}")
    card = request.POST.get("card", "")
    card_id = int(card) if card.isascii() and card.isdigit() and len(card) <= 18 else 0
    try:
        deposit, _created = deposit_flow.hold_deposit(
            auction_id=auction.pk, bidder=request.user, card_id=card_id
        )
    except services.DomainError as refusal:
        messages.error(request, refusal.message)
    except ObjectDoesNotExist:
        messages.error(request, _("Choose one of your saved cards."))
    else:
        if deposit.status == DepositStatus.HELD:
            messages.success(request, _("Your deposit is held: you may bid."))
        elif deposit.status == DepositStatus.FAILED:
            messages.error(
                request,
                _("The deposit could not be held: %(reason)s")
                % {"reason": localized_reason(deposit.failure_reason)},
            )
        else:
            messages.info(request, _("Payme is still processing your deposit; check back soon."))
    return redirect(auction_url(auction))


@require_GET
def auction_detail(request, pk: int):
    return _auction_page(request, _visible_auction(request, pk))


@require_GET
def auction_live(request, pk: int):
    """The auction page's live data, polled by its script every few seconds."""
    auction = _visible_auction(request, pk)
    response = JsonResponse(_snapshot(auction, request.user))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def auction_bid(request, pk: int):
    """First POST: confirm the amount; second POST (confirmed=1): place the bid once."""
    auction = _visible_auction(request, pk)
    if not request.user.is_authenticated:
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={auction_url(auction)}")
    form = BidForm(request.POST)
    if not form.is_valid():
        # A hidden field the reader cannot fix gets a fresh key; the amount's error stays.
        data = request.POST.copy()
        data["idempotency_key"] = str(uuid.uuid4())
        data.pop("confirmed", None)
        form = BidForm(data)
        form.is_valid()
        return _auction_page(request, auction, form=form, status=400)
    amount = form.cleaned_data["amount"]
    if not form.cleaned_data["confirmed"]:
        if auction.current_status() == AuctionStatus.ACTIVE and not _check_amount(form, auction):
            # Refused before the confirmation: the reader fixes the amount in the same form.
            return _auction_page(request, auction, form=form, status=400)
        confirm = BidForm(
            initial={
                "amount": amount,
                "idempotency_key": form.cleaned_data["idempotency_key"],
                "confirmed": True,
            }
        )
        return _auction_page(request, auction, form=form, confirm=confirm)
    try:
        bid, created = services.place_bid(
            auction_id=auction.pk,
            bidder=request.user,
            amount=amount,
            idempotency_key=str(form.cleaned_data["idempotency_key"]),
        )
    except services.DomainError as error:
        auction.refresh_from_db()
        # Outbid between the two steps: the same form, the amount's rule in the reader's money.
        retry = BidForm(
            {"amount": request.POST.get("amount", ""), "idempotency_key": str(uuid.uuid4())}
        )
        if retry.is_valid() and not _check_amount(retry, auction):
            return _auction_page(request, auction, form=retry, status=400)
        return _auction_page(request, auction, refusal=error.message, status=400)
    # The tag lets the live update replace this banner once the reader is outbid.
    if created:
        messages.success(
            request,
            _("Your bid of %(amount)s is placed.") % {"amount": format_money(bid.amount)},
            extra_tags="bid-placed",
        )
    else:
        messages.info(
            request,
            _("Your bid of %(amount)s was already placed.") % {"amount": format_money(bid.amount)},
            extra_tags="bid-placed",
        )
    return redirect(auction_url(auction))


def auction_url(auction: Auction) -> str:
    return reverse("site:auction-detail", args=[auction.pk])


# Accounts


class LoginView(auth_views.LoginView):
    """Django's login page; 429 after 10 failed attempts for the username (CONTRACT 2)."""

    def post(self, request, *args, **kwargs):
        wait = login_limit.retry_after(request.POST.get("username"))
        if wait is None:
            return super().post(request, *args, **kwargs)
        context = self.get_context_data(
            form=self.get_form_class()(request), throttled=login_limit.blocked_message(wait)
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("site:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_user(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data.get("email") or "",
                phone=form.cleaned_data.get("phone") or "",
            )
        except services.UsernameTaken as error:
            form.add_error("username", error.message)
            return render(request, "registration/signup.html", {"form": form}, status=400)
        login(request, user, backend="auctions.login_limit.LoginLimitBackend")
        messages.success(request, _("Welcome, %(name)s!") % {"name": user.username})
        return redirect("site:home")
    status = 400 if request.method == "POST" else 200  # refused fields, e.g. a weak password
    return render(request, "registration/signup.html", {"form": form}, status=status)


# Sellers


@login_required
@require_GET
def my_listings(request):
    listings = (
        Listing.objects.filter(owner=request.user)
        .prefetch_related(
            Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id")),
            Prefetch("auctions", queryset=Auction.objects.order_by("-created_at", "-id")),
        )
        .order_by("-created_at", "-id")
    )
    listings = list(listings)
    open_ids = _listings_with_open_auction(listings)
    for listing in listings:
        listing.has_open_auction = listing.pk in open_ids
    return render(request, "auctions/my_listings.html", {"listings": listings})


def _listings_with_open_auction(listings) -> set[int]:
    """The listings that cannot get a new auction (services.validate_auction's rule)."""
    return set(
        Auction.objects.filter(listing__in=listings)
        .exclude(status__in=(AuctionStatus.ENDED, AuctionStatus.CANCELLED))
        .exclude(is_paid=True, end_time__lte=timezone.now())
        .values_list("listing_id", flat=True)
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request, pk: int | None = None):
    listing = get_object_or_404(Listing, pk=pk, owner=request.user) if pk is not None else None
    if listing is not None and services.listing_is_locked(listing):
        # CONTRACT 2: once an auction of it is paid, the listing stays as bidders saw it.
        return render(
            request,
            "auctions/listing_form.html",
            {"listing": listing, "locked": services.listing_locked_message()},
            status=409 if request.method == "POST" else 200,
        )
    form = ListingForm(request.POST or None, request.FILES or None, instance=listing)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if listing is not None:
                    services.lock_listing_for_edit(listing.pk)  # paid meanwhile: 409
                listing = form.save(commit=False)
                listing.owner = request.user
                listing.save()
                form.save_photos(listing)
        except services.ListingLocked as refusal:
            return render(
                request,
                "auctions/listing_form.html",
                {"listing": listing, "locked": refusal.message},
                status=409,
            )
        messages.success(request, _("The listing is saved."))
        return redirect("site:my-listings")
    return render(
        request,
        "auctions/listing_form.html",
        {"form": form, "listing": listing},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def auction_create(request, listing_pk: int):
    listing = get_object_or_404(Listing, pk=listing_pk, owner=request.user)
    if request.method == "GET" and listing.pk in _listings_with_open_auction([listing]):
        messages.info(request, _("This listing already has an open auction."))
        return redirect("site:my-listings")
    form = AuctionForm(request.POST or None, listing=listing, seller=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            auction = services.create_auction(
                listing=listing, seller=request.user, **form.cleaned_data
            )
        except services.AuctionInvalid as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, _("The auction is created. Pay the listing fee to publish it.")
            )
            return redirect("site:auction-pay", pk=auction.pk)
    return render(
        request,
        "auctions/auction_form.html",
        {"form": form, "listing": listing},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def my_auctions(request):
    auctions = (
        Auction.objects.filter(seller=request.user)
        .select_related("listing")
        .prefetch_related(
            _photos(),
            Prefetch("payments", queryset=AuctionPayment.objects.order_by("-created_at", "-id")),
        )
        .order_by("-created_at", "-id")
    )
    now = timezone.now()
    rows = [
        {
            "auction": auction,
            "status": auction.current_status(now),
            "status_display": site_words.auction_status(auction.current_status(now)),
            "payment": next(iter(auction.payments.all()), None),
            "can_pay": not auction.is_paid
            and auction.status == AuctionStatus.PENDING_PAYMENT
            and auction.end_time > now,
        }
        for auction in auctions
    ]
    return render(request, "auctions/my_auctions.html", {"rows": rows})


def _provider_choices():
    return [
        {
            "name": provider.name,
            "label": site_words.provider_name(provider.name),
            "amount": provider.amount(),
            "currency": provider.currency,
            # A fee in another currency is explained beside it (Medogram charges rial).
            "foreign": provider.currency != "UZS",
        }
        # Configured providers only (CONTRACT 6); sum first, a fee in another currency last.
        for provider in sorted(providers.offered_providers(), key=lambda p: p.currency != "UZS")
    ]


def _chosen_provider(request, auction: Auction, choices: list[dict]) -> str:
    """The provider to preselect: the one just posted, asked for, or last used."""
    names = [choice["name"] for choice in choices]
    wanted = request.POST.get("provider") or request.GET.get("provider")
    if wanted not in names:
        last = auction.payments.order_by("-created_at", "-id").first()
        wanted = last.provider if last is not None else None
    return wanted if wanted in names else (names[0] if names else "")


@login_required
@require_http_methods(["GET", "POST"])
def auction_pay(request, pk: int):
    """Choose a provider; POST starts the payment and sends the browser to its page."""
    auction = get_object_or_404(
        Auction.objects.select_related("listing"), pk=pk, seller=request.user
    )
    error = None
    if request.method == "POST":
        try:
            _payment, _created, pay_url = services.start_payment(
                auction_id=auction.pk,
                user=request.user,
                provider_name=request.POST.get("provider", ""),
                request=request,
            )
        except services.DomainError as refusal:
            error = refusal.message
        except providers.ProviderUnavailable:
            logger.warning("site payment provider unavailable auction=%s", auction.pk)
            error = _("This payment provider is unavailable right now; please try another one.")
        else:
            return HttpResponseRedirect(pay_url)
    choices = _provider_choices()
    return render(
        request,
        "auctions/auction_pay.html",
        {
            "auction": auction,
            "providers": choices,
            "chosen": _chosen_provider(request, auction, choices),
            "listing_fee": providers.listing_fee(),
            "error": error,
        },
        status=400 if error else 200,
    )


def _payment_snapshot(payment: AuctionPayment) -> dict:
    auction = payment.auction
    status = auction.current_status()
    return {
        "merchant_trans_id": payment.merchant_trans_id,
        "status": payment.status,
        "status_display": site_words.payment_status(payment.status),
        "final": payment.status in FINAL_PAYMENT_STATUSES,
        "auction_status": status,
        "auction_status_display": site_words.auction_status(status),
        "is_paid": auction.is_paid,
    }


def _payment(merchant_trans_id: str) -> AuctionPayment:
    return get_object_or_404(
        AuctionPayment.objects.select_related("auction__listing"),
        merchant_trans_id=merchant_trans_id,
    )


@require_GET
def payment_result(request, merchant_trans_id: str):
    """The page a provider sends the seller back to: the payment's status, no personal data."""
    payment = _payment(merchant_trans_id)
    auction = payment.auction
    # A failed or declined payment: the seller may pay again with the provider they chose.
    can_pay_again = (
        payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED)
        and request.user.is_authenticated
        and request.user.pk == auction.seller_id
        and not auction.is_paid
        and auction.status == AuctionStatus.PENDING_PAYMENT
        and auction.end_time > timezone.now()
    )
    return render(
        request,
        "auctions/payment_result.html",
        {
            "payment": payment,
            "state": _payment_snapshot(payment),
            "can_pay_again": can_pay_again,
            "provider_available": providers.get(payment.provider) is not None,
        },
    )


@require_GET
def payment_status(request, merchant_trans_id: str):
    response = JsonResponse(_payment_snapshot(_payment(merchant_trans_id)))
    response["Cache-Control"] = "no-store"
    return response


# Bidders


@login_required
@require_GET
def my_bids(request):
    """My bids grouped by auction: where I lead and where I was outbid."""
    mine = (
        Bid.objects.filter(bidder=request.user, voided_at__isnull=True)
        .values("auction_id")
        .annotate(top=Max("amount"), count=Count("id"))
    )
    tops = {row["auction_id"]: row for row in mine}
    auctions = (
        Auction.objects.filter(pk__in=tops)
        .select_related("listing")
        .prefetch_related(_photos())
        .order_by("end_time", "id")
    )
    now = timezone.now()
    rows = []
    for auction in auctions:
        status = auction.current_status(now)
        top = tops[auction.pk]["top"]
        rows.append(
            {
                "auction": auction,
                "status": status,
                "status_display": site_words.auction_status(status),
                "my_top": top,
                "my_count": tops[auction.pk]["count"],
                "leading": auction.current_price is not None and top == auction.current_price,
                "open": status in (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE),
            }
        )
    return render(request, "auctions/my_bids.html", {"rows": rows})


# Media, icon and errors


@require_GET
def favicon(request):
    """Browsers ask /favicon.ico whatever the page says: send them to the SVG icon."""
    return redirect(static("site/favicon.svg"), permanent=True)


@require_GET
def media(request, path: str):
    """Serve uploaded listing photos (no separate web server is guaranteed, CONTRACT 8)."""
    if not path.startswith("listings/"):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)
