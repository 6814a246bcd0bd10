"""Finding an album from the code in a URL, for everyone, for its hosts and
for its owner.

An album code is a shared secret: whoever has it may see the album. Unknown
codes and deleted albums get the same 404, and failed lookups of typed codes
are counted per device, per address and for everyone together (core.ratelimit)
so codes can't be guessed. Links and QR codes carry a long link token instead,
which opens the album without any of those limits.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy

from albums.codes import LINK_TOKEN_LENGTH, normalize_code
from albums.models import Album
from core import languages, ratelimit
from core.errors import NotFound

# Lazy: said in the language of the request that gets them (core.middleware).
NO_ALBUM = gettext_lazy("No album with that code.")
LINK_GONE = gettext_lazy(
    "This link no longer opens an album: it was deleted, or its host made a new "
    "link. Ask the host for the new one."
)
# Codes this session has opened: they are never refused by the lookup limits,
# so guests keep their album while someone floods the global limit. Noted when
# the album page itself is opened (where every link, QR code and join leads),
# so JSON polls and scripts without cookies don't each make a session row.
SESSION_OPENED_CODES = "opened_album_codes"
REMEMBERED_ON = "album"
OPENED_CODES_KEPT = 20
GLOBAL = "everyone"
# The device cookie the lookup limits key on (signed, random, a year).
DEVICE_COOKIE = "visitor"
DEVICE_SALT = "albums.access.device"
DEVICE_MAX_AGE = 365 * 24 * 3600


class AlbumNotFound(NotFound):
    """An unknown code, a deleted album, or one the requester may not manage:
    the same answer for each, so it tells nothing about codes."""

    template = "albums/not_found.html"

    def __init__(self):
        super().__init__(NO_ALBUM)


class LinkNotFound(NotFound):
    """A link token that opens nothing: the album was deleted, or its host
    issued a new code and link since."""

    template = "albums/link_gone.html"

    def __init__(self):
        super().__init__(LINK_GONE)


class TooManyLookups(ratelimit.RateLimited):
    """Raised before a lookup once the client, or everyone together, has used
    up the failures allowed (settings.RATE_LIMITS code-lookup-*), counting
    lookups in flight: a 429 on the "no album" page."""

    template = "albums/not_found.html"


def _known_code(request, code):
    """How the requester has a right to this code whatever the limits say:
    "session" if this session opened it before, "account" if they own,
    co-host or follow its album, else None. Tells nothing about codes they
    didn't have."""
    if code in request.session.get(SESSION_OPENED_CODES, ()):
        return "session"
    user = request.user
    if (
        user.is_authenticated
        and Album.objects.filter(
            Q(user=user) | Q(cohosts__user=user) | Q(subs__user=user), code=code
        ).exists()
    ):
        return "account"
    return None


def remember_code(request, code):
    opened = list(request.session.get(SESSION_OPENED_CODES, ()))
    if code not in opened:
        request.session[SESSION_OPENED_CODES] = (opened + [code])[-OPENED_CODES_KEPT:]


def _album_with_code(code):
    return Album.objects.filter(code=code).select_related("user").first()


def device_key(request):
    """The lookup limits' key for this browser: its device cookie (set by
    DeviceCookieMiddleware on the first page it gets), else its address. A
    guest who mistypes codes uses up their own device's allowance, not the
    venue's; a client that drops cookies shares one with its whole address."""
    device = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE
    )
    if device:
        return f"device:{device}"
    return f"address:{ratelimit.client_key(request)}"


def find_album(request, typed_code):
    """The album for a typed code, or None (counted as a failed lookup).

    A code new to the requester is counted against the device's, the
    address's and everyone's lookup limits before it is looked up, and the
    count is given back if the code is right; so at most the limit of wrong
    codes get an answer per window, however many requests are in flight at
    once, and a request that doesn't get past the count raises TooManyLookups
    before any lookup: an answer never tells a blocked guesser whether a code
    exists. While wrong codes plus lookups in flight fill a limit, right codes
    new to the requester are refused too (and LimiterUnavailable, a 503, if
    the limiter's cache is down). Codes the requester already has (see
    _known_code) are never refused and never counted, even when they miss: a
    slideshow left running on a code the host has since renewed polls into a
    plain 404. Links and QR codes carry the album's link token instead
    (open_album_link), which no limit applies to."""
    code = normalize_code(typed_code)
    if code is None:  # Can't be a code: nothing to look up, nothing guessed.
        return None
    if _known_code(request, code):
        return _album_with_code(code)
    try:
        counted = ratelimit.attempt_all(
            [
                ("code-lookup-device", device_key(request)),
                ("code-lookup-client", ratelimit.client_key(request)),
                ("code-lookup-global", GLOBAL),
            ]
        )
    except ratelimit.LimiterUnavailable:
        raise
    except ratelimit.RateLimited as error:
        raise TooManyLookups(error.scope, error.retry_after, error.reason) from error
    album = _album_with_code(code)
    if album is not None:
        for attempt in counted:
            attempt.refund()
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == REMEMBERED_ON:
            remember_code(request, album.code)
    return album


def album_for_link_token(token):
    """The album whose link token this is, or None: no limit (nobody guesses
    one), nothing remembered."""
    if len(token) != LINK_TOKEN_LENGTH:
        return None
    return Album.objects.filter(link_token=token).select_related("user").first()


def open_album_link(request, token):
    """The album whose link token this is (no limit: nobody guesses one), or
    LinkNotFound. The code is remembered as this session's, so the album's
    pages and polls never count against the lookup limits."""
    album = album_for_link_token(token)
    if album is None:
        raise LinkNotFound
    remember_code(request, album.code)
    languages.use_album_language(request, album)
    return album


def get_album_or_404(request, code):
    album = find_album(request, code)
    if album is None:
        raise AlbumNotFound
    # Only once the album is found (and the lookup counted): an unknown
    # code's answer must not tell, by its language, that a code exists.
    languages.use_album_language(request, album)
    return album


def get_album_for_owner_or_404(request, code):
    """The album, if the requester owns it (or is staff); else the same 404 as an unknown code."""
    album = get_album_or_404(request, code)
    if not album.is_owned_by(request.user):
        raise AlbumNotFound
    return album


def get_album_for_host_or_404(request, code):
    """The album, if the requester hosts it: its owner, a co-host, or staff
    (Album.is_hosted_by); else the same 404 as an unknown code. Every host
    power but deleting or merging the album and managing its co-hosts, which
    stay get_album_for_owner_or_404's."""
    album = get_album_or_404(request, code)
    if not album.is_hosted_by(request.user):
        raise AlbumNotFound
    return album
