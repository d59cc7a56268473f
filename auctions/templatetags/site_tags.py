"""Template helpers of the website: money in the reader's language, one set of words."""

from django import template

from auctions import site_words
from auctions.money import format_money

register = template.Library()


@register.filter
def money(amount, currency="UZS"):
    return format_money(amount, currency or "UZS")


@register.filter
def auction_status(status):
    return site_words.auction_status(status)


@register.filter
def payment_status(status):
    return site_words.payment_status(status)


@register.filter
def provider_name(name):
    return site_words.provider_name(name)


@register.filter
def bid_count(count):
    return site_words.bids(int(count or 0))


@register.filter
def room_count(count):
    return site_words.rooms(int(count or 0))


@register.simple_tag
def countdown_units():
    return site_words.countdown_units()
