"""DRF's token authentication with its look-up written out (auctions/queries.py)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """The same header, checks and messages as DRF's; every API write and private read
    runs it, so its one SELECT is written out rather than built as a queryset."""

    def authenticate_credentials(self, key):
        from . import queries

        token = queries.token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
