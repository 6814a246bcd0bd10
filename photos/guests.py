"""Guests without an account, and which photos each of them added.

Each browser that may upload as a guest gets a random token in a signed
cookie (django.core.signing, salted; HttpOnly, SameSite=Lax, Secure unless
DEBUG, kept a year and renewed with every upload). A photo a guest adds keeps
Photo.guest_key, a keyed hash of that token (HMAC under a key derived from
SECRET_KEY), never the token itself, so the database alone can't be turned
into a cookie. Edit rights, hidden photos shown to their uploader, the
original with its location for its uploader and the guest quota all count
from those rows, so uploads sent in parallel can't lose one another's (the
list of ids in the session they replace was last-writer-wins).

The album page gives the cookie before the page can upload anything (its
script sends several files at once, and parallel first uploads would
otherwise each make a token of their own); an upload without one (a form
post without the page, a browser that dropped it) makes it then.
"""

import re
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

COOKIE_NAME = "guest"
SALT = "photos.guests.cookie"
KEY_SALT = "photos.guests.key"
MAX_AGE = 365 * 24 * 3600  # seconds
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
_REQUEST_TOKEN = "_photos_guest_token"  # (token, made by this request)


def _token(request):
    """(token, new) of this request: its cookie's, or one made for it earlier
    in this request; (None, False) if neither."""
    found = getattr(request, _REQUEST_TOKEN, None)
    if found is None:
        token = request.get_signed_cookie(
            COOKIE_NAME, default=None, salt=SALT, max_age=MAX_AGE
        )
        found = (token, False) if token and _TOKEN.fullmatch(token) else (None, False)
        setattr(request, _REQUEST_TOKEN, found)
    return found


def key_for_token(token):
    return salted_hmac(KEY_SALT, token, algorithm="sha256").hexdigest()


def key(request):
    """The guest key of this browser (what Photo.guest_key holds for the
    photos it added), or "" if it has no valid guest cookie."""
    token, _new = _token(request)
    return key_for_token(token) if token else ""


def ensure_key(request):
    """The guest key of this browser, making it a token first if it has
    none; keep_cookie() then gives the browser that token."""
    token, _new = _token(request)
    if not token:
        token = secrets.token_urlsafe(32)
        setattr(request, _REQUEST_TOKEN, (token, True))
    return key_for_token(token)


def keep_cookie(request, response, renew=False):
    """Set the guest cookie on `response` if this request made the token, or
    (`renew`) to keep an existing one another year."""
    token, new = _token(request)
    if token and (new or renew):
        response.set_signed_cookie(
            COOKIE_NAME,
            token,
            salt=SALT,
            max_age=MAX_AGE,
            secure=not settings.DEBUG,
            httponly=True,
            samesite="Lax",
        )
    return response
