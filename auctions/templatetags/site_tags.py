"""Template helpers of the website: money in the reader's language."""

from django import template

from auctions.money import format_money

register = template.Library()


@register.filter
def money(amount, currency="UZS"):
    return format_money(amount, currency or "UZS")
