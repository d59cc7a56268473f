"""DRF's token authentication, with its look-up compiled once per process (issue 7)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from .compiled import CompiledQuery

_TOKEN = CompiledQuery(
    lambda key: Token.objects.select_related("user").order_by().filter(key=key), key=str
)


class TokenAuthentication(authentication.TokenAuthentication):
    """The same checks and messages as DRF's; every API write and private read runs it."""

    def authenticate_credentials(self, key):
        try:
            token = _TOKEN.get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
