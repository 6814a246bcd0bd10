"""Request bodies: how large each may be, and the checks that run before one
is read.

Django reads a body when something first asks for request.POST (the CSRF
check does, before any view), and a multipart body then goes to the
temporary folder whole. So core.middleware.RequestBodyMiddleware, placed
before CsrfViewMiddleware, first refuses a body larger than its address
accepts (settings.REQUEST_BODY_MAX_BYTES, or REQUEST_BODY_LIMITS for a URL
name), then asks each of settings.REQUEST_BODY_CHECKS whether the request
would be refused anyway (an app's own rules: no such album, uploads
closed...), all without touching the body.

In production the body isn't even received before that: core.asgi runs the
middleware first with the body left unread (DEFER in the environ), reads the
body only when the checks pass, with the limit they gave and a timeout, and
stops at the limit for a chunked body too (REFUSED)."""

from django.conf import settings
from django.urls import Resolver404, resolve

# Environ keys that core.asgi sets and RequestBodyMiddleware reads.
# A body not read yet: call DEFER(limit) to have it read, then asked again.
DEFER = "partyshots.defer_body"
# The body is read and the checks passed already.
CHECKED = "partyshots.body_checked"
# The body was refused while it arrived: TOO_LARGE or TIMEOUT...
REFUSED = "partyshots.body_refused"
# ...and the limit it went over.
REFUSED_LIMIT = "partyshots.body_limit"
TOO_LARGE = "too-large"
TIMEOUT = "timeout"


def declared_length(request):
    """The body's length as the client declared it (0 if none or unreadable)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def has_body(request):
    return (
        declared_length(request) > 0
        or "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        or DEFER in request.META
        or REFUSED in request.META
    )


def match(request):
    """The URL's resolver match, or None for an address with no view."""
    try:
        return resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None


def limit_for(resolved):
    """How many bytes of body the address of `resolved` (a resolver match or
    None) accepts."""
    name = resolved.url_name if resolved is not None else None
    return settings.REQUEST_BODY_LIMITS.get(name, settings.REQUEST_BODY_MAX_BYTES)
