"""{% card_payment_choice auction %}: the pay page's "pay with a saved card" choice."""

from django import template

from .. import cards

register = template.Library()


@register.inclusion_tag("payments_payme/_pay_with_card.html", takes_context=True)
def card_payment_choice(context, auction):
    request = context["request"]
    available = cards.configured() and request.user.is_authenticated
    return {
        "auction": auction,
        "available": available,
        "cards": list(cards.user_cards(request.user)) if available else [],
        "csrf_token": context.get("csrf_token"),
    }
