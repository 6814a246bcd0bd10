"""Device cookies (OWASP's "device cookie" defence against lock-out).

Every successful login gives the browser a signed cookie naming the user
(their pk, a random nonce and the time; django.core.signing, salted), kept a
year and refreshed at each login, for the last few users of that browser. A
login attempt from a browser that carries a valid device cookie for the
username typed is a known device: core.ratelimit skips the per-username limit
for it and counts its failures against the device (the nonce) instead, so an
attacker spraying one username from many addresses can't lock its owner out of
the phone or laptop they always use. A new device still waits out the
per-username window.

The cookie only exempts from that one limit: it never logs anyone in, and the
per-(username, client) and per-client limits apply as before.
"""

import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.dispatch import receiver

COOKIE_NAME = "device"
SALT = "accounts.devices.cookie"
MAX_AGE = 365 * 24 * 3600  # seconds
USERS_KEPT = 5  # per browser, most recent logins
_LOGGED_IN = "_device_cookie_user"


def entries(request):
    """The valid entries of the request's device cookie: [{"id", "n", "t"}]; none
    for a missing, forged, altered or expired cookie."""
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return []
    try:
        loaded = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return []
    if not isinstance(loaded, list):
        return []
    now = time.time()
    return [
        entry
        for entry in loaded
        if isinstance(entry, dict)
        and isinstance(entry.get("id"), str)
        and isinstance(entry.get("n"), str)
        and isinstance(entry.get("t"), int)
        and 0 <= now - entry["t"] < MAX_AGE
    ]


def device_for(request, username):
    """The device nonce if this browser has logged in as the user called
    `username` (looked up as the login itself does), else None."""
    found = entries(request)
    if not found or not username:
        return None
    User = get_user_model()
    pk = (
        User._default_manager.filter(**{User.USERNAME_FIELD: username})
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        return None
    return next((entry["n"] for entry in found if entry["id"] == str(pk)), None)


def remember(request, response, user):
    """Add (or refresh) `user` in the response's device cookie."""
    pk = str(user.pk)
    kept = [entry for entry in entries(request) if entry["id"] != pk]
    kept.append({"id": pk, "n": secrets.token_urlsafe(16), "t": int(time.time())})
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps(kept[-USERS_KEPT:], salt=SALT),
        max_age=MAX_AGE,
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )


@receiver(user_logged_in)
def _note_login(sender, request, user, **kwargs):
    # Every login (login form, admin, signup) marks the request; the
    # middleware sets the cookie on its response.
    if request is not None:
        setattr(request, _LOGGED_IN, user)


class DeviceCookieMiddleware:
    """Sets the device cookie on the response to a request that logged someone in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, _LOGGED_IN, None)
        if user is not None:
            remember(request, response, user)
        return response
