"""Finding an album from the code in a URL, for everyone and for its owner.

An album code is a shared secret: whoever has it may see the album. Unknown
codes and deleted albums get the same 404, and failed lookups are counted per
client so codes can't be guessed.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from albums.codes import normalize_code
from albums.models import Album

NO_ALBUM = "No album with that code."
TOO_MANY_LOOKUPS = "Too many wrong album codes from your network. Please wait ten minutes and try again."
# Basic limit per client; the Hardening issue adds a global limit and a shared cache.
LOOKUP_FAILURES_ALLOWED = 30
LOOKUP_WINDOW_SECONDS = 10 * 60


class AlbumNotFound(Http404):
    pass


class TooManyLookups(PermissionDenied):
    """Raised before a lookup once a client has used up its failures. A
    PermissionDenied, so a view without @renders_lookup_errors still fails closed."""


def client_address(request):
    # Behind a proxy that terminates TLS (SECURE_PROXY_SSL_HEADER set), the
    # proxy appends the real client to X-Forwarded-For: take the last entry,
    # the one the client cannot forge.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def lookup_limit_reached(request, failed=False):
    """Whether this client has no failed lookups left; `failed` counts one more first."""
    key = f"album-lookup-failures:{client_address(request)}"
    if failed:
        cache.add(key, 0, LOOKUP_WINDOW_SECONDS)
        try:
            return cache.incr(key) >= LOOKUP_FAILURES_ALLOWED
        except ValueError:  # expired between add and incr
            cache.set(key, 1, LOOKUP_WINDOW_SECONDS)
            return False
    return cache.get(key, 0) >= LOOKUP_FAILURES_ALLOWED


def find_album(request, typed_code):
    """The album for a typed code, or None (counted as a failed lookup).

    Raises TooManyLookups when the client has no failures left."""
    if lookup_limit_reached(request):
        raise TooManyLookups(TOO_MANY_LOOKUPS)
    code = normalize_code(typed_code)
    album = Album.objects.filter(code=code).select_related("user").first() if code else None
    if album is None:
        lookup_limit_reached(request, failed=True)
    return album


def get_album_or_404(request, code):
    album = find_album(request, code)
    if album is None:
        raise AlbumNotFound(NO_ALBUM)
    return album


def get_album_for_owner_or_404(request, code):
    """The album, if the requester owns it (or is staff); else the same 404 as an unknown code."""
    album = get_album_or_404(request, code)
    if not album.is_owned_by(request.user):
        raise AlbumNotFound(NO_ALBUM)
    return album


def renders_lookup_errors(view):
    """Render an unknown code as the "No album with that code" page (404) and
    an exhausted lookup limit as a 429, for views that look up an album."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AlbumNotFound:
            return render(request, "albums/not_found.html", {"message": NO_ALBUM}, status=404)
        except TooManyLookups:
            return render(request, "albums/not_found.html", {"message": TOO_MANY_LOOKUPS}, status=429)

    return wrapper
