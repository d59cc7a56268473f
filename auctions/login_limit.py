"""Login throttling (CONTRACT 2): after 10 failed attempts for one username within 15
minutes, every attempt for it is refused (the right password too) until the window passes.

Failures are rows of LoginFailure, written on Django's user_login_failed signal, so the API
token view, the website's login and the admin's count the same attempts in every worker.
LoginLimitBackend refuses a blocked username inside authenticate() for all three; the API
and the website answer such an attempt with 429.
"""

import datetime
import math

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .models import LoginFailure

MAX_FAILURES = 10
WINDOW = datetime.timedelta(minutes=15)


def _key(username: object) -> str | None:
    """The username as attempts are counted: case-folded (usernames are case-insensitive)."""
    if not isinstance(username, str) or not username.strip() or "\x00" in username:
        return None
    try:
        username.encode("utf-8")
    except UnicodeEncodeError:
        return None  # a lone surrogate: no account has it, the form or serializer refuses it
    return username.strip().casefold()[:150]


def retry_after(username: object, now: datetime.datetime | None = None) -> int | None:
    """Seconds until `username` may try again, or None when it may try now."""
    key = _key(username)
    if key is None:
        return None
    now = now or timezone.now()
    recent = list(
        LoginFailure.objects.filter(username=key, created_at__gt=now - WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:MAX_FAILURES]
    )
    if len(recent) < MAX_FAILURES:
        return None
    # Blocked until the oldest of the last MAX_FAILURES failures leaves the window.
    return max(1, math.ceil((recent[-1] + WINDOW - now).total_seconds()))


def record_failure(username: object) -> None:
    """Count one failed attempt (a refused attempt while blocked is not counted again)."""
    key = _key(username)
    if key is None:
        return
    now = timezone.now()
    if retry_after(key, now) is not None:
        return  # refused while blocked: counting it would extend the block forever
    LoginFailure.objects.filter(created_at__lte=now - WINDOW).delete()  # expired rows
    LoginFailure.objects.create(username=key, created_at=now)


def on_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """Django's user_login_failed signal: count the attempt for the username given."""
    record_failure(credentials.get(get_user_model().USERNAME_FIELD))


class LoginLimitBackend(ModelBackend):
    """Django's ModelBackend, refusing every attempt for a blocked username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if retry_after(username) is not None:
            raise PermissionDenied  # authenticate() tries no other backend
        return super().authenticate(request, username=username, password=password, **kwargs)


def blocked_message(seconds: int) -> str:
    from django.utils.translation import gettext

    minutes = max(1, math.ceil(seconds / 60))
    return gettext(
        "Too many failed sign-in attempts for this username. Try again in %(minutes)s min."
    ) % {"minutes": minutes}
