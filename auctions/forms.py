"""The website's forms: every rule of an auction or a bid stays in auctions.services."""

import datetime
import re
import uuid
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import PHONE_PATTERN, Listing, ListingPhoto, User
from .money import format_money

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def max_photo_bytes() -> int:
    return getattr(settings, "SITE_MAX_PHOTO_BYTES", MAX_PHOTO_BYTES)


def plain_amount(amount: Decimal) -> str:
    """An amount as a person types it: 501000000, or 501000000.50."""
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


class MoneyField(forms.DecimalField):
    """An amount in sum: digits, optional spaces between groups, up to two decimals."""

    PLAIN = re.compile(r"[0-9]{1,12}(?:[.,][0-9]{1,2})?")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).replace(" ", "").replace("\xa0", "").replace("\u202f", "")
        if not self.PLAIN.fullmatch(text):
            raise forms.ValidationError(
                _("Enter an amount in digits, e.g. 501000000."), code="invalid"
            )
        return super().to_python(text.replace(",", "."))


class SignUpForm(UserCreationForm):
    """The same accounts as POST /api/auth/register/: username, password, phone, email."""

    phone = forms.RegexField(
        regex=f"^{PHONE_PATTERN}$",
        required=False,
        label=_("Phone (optional)"),
        help_text=_("+998 and 9 digits, e.g. +998901234567."),
        error_messages={"invalid": _("Use +998 and 9 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "+998901234567"}),
    )
    email = forms.EmailField(required=False, label=_("Email (optional)"))

    class Meta:
        model = User
        fields = ["username", "phone", "email"]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    """Several images in one input; each is opened and verified by Pillow."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


class ListingForm(forms.ModelForm):
    photos = MultipleImageField(required=False, label=_("Photos"))
    remove_photos = forms.ModelMultipleChoiceField(
        queryset=ListingPhoto.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Remove photos"),
    )
    rooms = forms.IntegerField(label=_("Rooms"), min_value=1, max_value=100)
    area = forms.DecimalField(
        label=_("Area (m²)"), max_digits=8, decimal_places=2, min_value=Decimal("1")
    )
    floor = forms.IntegerField(label=_("Floor"), min_value=-5, max_value=200, required=False)

    class Meta:
        model = Listing
        fields = ["title", "address", "rooms", "area", "floor", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = gettext(
            "Up to %(count)s images (JPEG, PNG or WebP), at most %(megabytes)s MB each."
        ) % {"count": MAX_PHOTOS, "megabytes": megabytes(max_photo_bytes())}
        if self.instance.pk:
            self.fields["remove_photos"].queryset = self.instance.photos.all()
        else:
            del self.fields["remove_photos"]

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        limit = max_photo_bytes()
        for photo in photos:
            if photo.size > limit:
                raise forms.ValidationError(
                    _("%(name)s is too large: at most %(megabytes)s MB per photo.")
                    % {"name": photo.name, "megabytes": megabytes(limit)}
                )
        return photos

    def clean(self):
        cleaned = super().clean()
        kept = 0
        if self.instance.pk:
            removed = {photo.pk for photo in cleaned.get("remove_photos") or []}
            kept = sum(1 for photo in self.instance.photos.all() if photo.pk not in removed)
        if kept + len(cleaned.get("photos") or []) > MAX_PHOTOS:
            self.add_error(
                "photos",
                _("A listing may have at most %(count)s photos.") % {"count": MAX_PHOTOS},
            )
        return cleaned

    def save_photos(self, listing: Listing) -> None:
        for photo in self.cleaned_data.get("remove_photos") or []:
            photo.image.delete(save=False)
            photo.delete()
        position = max((photo.position for photo in listing.photos.all()), default=-1) + 1
        for offset, image in enumerate(self.cleaned_data.get("photos") or []):
            ListingPhoto.objects.create(listing=listing, image=image, position=position + offset)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def min_starting_price() -> Decimal:
    return Decimal(getattr(settings, "SITE_MIN_STARTING_PRICE", 10_000_000))


class AuctionForm(forms.Form):
    """The fields of a new auction; services.validate_auction judges them, and every error
    is reported in one round (a field that does not parse does not hide the others)."""

    starting_price = MoneyField(label=_("Starting price"), **MONEY)
    min_increment = MoneyField(label=_("Minimum increment"), **MONEY)
    reserve_price = MoneyField(
        label=_("Reserve price (optional)"),
        required=False,
        help_text=_("The lowest price you accept; bidders only see whether it is met."),
        **MONEY,
    )
    start_time = forms.DateTimeField(
        label=_("Start"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeLocalInput()
    )
    end_time = forms.DateTimeField(
        label=_("End"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeLocalInput()
    )
    deposit = MoneyField(label=_("Bidder deposit (optional)"), required=False, **MONEY)

    def __init__(self, *args, listing=None, seller=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.listing, self.seller = listing, seller
        self.fields["deposit"].help_text = _(
            "A sum each bidder must hold on a bank card before bidding; it is released when "
            "the auction ends, except the winner's. An auction with a deposit must end within "
            "%(days)s days of its creation, because card holds do not last longer."
        ) % {"days": settings.AUCTION_DEPOSIT_MAX_DAYS}

    def clean_deposit(self):
        return self.cleaned_data.get("deposit") or Decimal("0")

    def clean(self):
        from . import services

        cleaned = super().clean()
        # Read every value first: add_error() drops a field from cleaned_data.
        fields = ("starting_price", "min_increment", "start_time", "end_time")
        values = {name: cleaned.get(name) for name in (*fields, "reserve_price", "deposit")}
        start, end, price = values["start_time"], values["end_time"], values["starting_price"]
        if self.listing is not None and all(values[name] is not None for name in fields):
            errors = services.validate_auction(listing=self.listing, seller=self.seller, **values)
        else:
            # Some field did not parse: still judge the times that did.
            errors = {}
            if start is not None and start < timezone.now() - datetime.timedelta(minutes=1):
                errors["start_time"] = gettext("The start time may not be in the past.")
            if start is not None and end is not None and end <= start:
                errors["end_time"] = gettext("The end time must be after the start time.")
        if price is not None and price < min_starting_price() and "starting_price" not in errors:
            # The website's own guard: "650" typed for 650 million would open a real auction.
            errors["starting_price"] = gettext(
                "%(price)s is too little for an apartment: enter the full price in sum, "
                "at least %(minimum)s."
            ) % {"price": format_money(price), "minimum": format_money(min_starting_price())}
        for field, message in errors.items():
            name = field if field in self.fields else None
            if name is None or name not in self.errors:
                self.add_error(name, message)
        return cleaned


class BidForm(forms.Form):
    amount = MoneyField(
        label=_("Your bid"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **MONEY,
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @classmethod
    def for_auction(cls, auction):
        """A fresh form: the next valid amount and a new key, so a double tap bids once."""
        return cls(
            initial={
                "amount": plain_amount(auction.next_minimum_bid()),
                "idempotency_key": uuid.uuid4(),
            }
        )


class HomeFilterForm(forms.Form):
    ROOM_CHOICES = [("", _("Any")), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4+")]

    q = forms.CharField(label=_("Address"), required=False, max_length=100)
    rooms = forms.ChoiceField(label=_("Rooms"), choices=ROOM_CHOICES, required=False)
    price_min = MoneyField(label=_("Price from"), required=False, min_value=0)
    price_max = MoneyField(label=_("Price to"), required=False, min_value=0)

    def valid_filters(self) -> dict:
        """The filters that parse; a bad one is reported and left out, never a broken page."""
        self.is_valid()
        return self.cleaned_data


class ProviderChoiceForm(forms.Form):
    provider = forms.CharField(max_length=20)
