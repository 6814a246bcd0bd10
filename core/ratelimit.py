"""Rate limits shared by every app instance, through Django's cache.

Fixed windows: a key may hit a scope `count` times per `period` seconds (from
settings.RATE_LIMITS); the window number is part of the cache key, so a window
ends by itself and nothing is ever reset by a cleanup job. Counting is atomic
(cache.add then cache.incr), so concurrent requests on several instances never
let more through than the limit.

    ratelimit.check(scope, client_key(request))  # refuse if over, count nothing
    ratelimit.hit(scope, client_key(request))    # count one; refuse if over
    ratelimit.hit(scope, key, count=n)  # count n at once (the files of a post)
    ratelimit.attempt(...).refund()  # count first, give back if it shouldn't count
    @ratelimit.limit(scope)          # a view: every POST counts

All raise core.errors.RateLimited, which core.middleware answers with a 429
and Retry-After. If the cache can't be reached,
the scopes in FAIL_CLOSED refuse with a 503 (a limiter that silently stops
limiting is how codes get guessed); the others let the request through and
log it. After one cache error the rest of the request doesn't ask the cache
again (it answers as if it had failed at once), so a cache that hangs costs a
request one timeout, not one per limit it checks.
"""

import contextvars
import hashlib
import ipaddress
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started, setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from redis.exceptions import RedisError

from core.errors import LimiterUnavailable, RateLimited

logger = logging.getLogger(__name__)

FAIL_CLOSED = {
    "code-lookup-device",
    "code-lookup-client",
    "code-lookup-global",
    "login-pair",
    "login-user",
    "login-device",
    "login-client",
}
CACHE_ERRORS = (RedisError, OSError)


class CacheSkipped(OSError):
    """The cache failed earlier in this request and isn't asked again."""


# The cache's first error in the current request (a context variable: each
# request thread or ASGI task has its own), forgotten when a request starts or
# ends and when the CACHES setting changes.
_cache_error = contextvars.ContextVar("ratelimit_cache_error", default=None)


@receiver(request_started)
@receiver(request_finished)
def forget_cache_error(**kwargs):
    _cache_error.set(None)


@receiver(setting_changed)
def _forget_cache_error_with_caches(setting, **kwargs):
    if setting == "CACHES":
        forget_cache_error()


def _cached(operation, *args, **kwargs):
    """cache.<operation>(...), unless the cache already failed in this
    request: then CacheSkipped at once, without waiting for it again."""
    failed = _cache_error.get()
    if failed is not None:
        raise CacheSkipped(f"cache failed earlier in this request: {failed!r}")
    try:
        return getattr(cache, operation)(*args, **kwargs)
    except CACHE_ERRORS as error:
        _cache_error.set(error)
        raise


# Said before "Please try again in ..." (core.errors.RateLimited.message).
MESSAGES = {
    "code-lookup-device": gettext_lazy(
        "Too many wrong album codes from this device. The album's link or QR code "
        "still opens it."
    ),
    "code-lookup-client": gettext_lazy(
        "Too many wrong album codes from your network (everyone on one Wi-Fi shares "
        "it). The album's link or QR code still opens it."
    ),
    "code-lookup-global": gettext_lazy(
        "Too many wrong album codes have been tried on PartyShots just now. The "
        "album's link or QR code still opens it."
    ),
    "login-pair": gettext_lazy(
        "Too many failed logins for this username from your connection."
    ),
    "login-user": gettext_lazy("Too many failed logins for this username."),
    "login-device": gettext_lazy(
        "Too many failed logins for this username on this device."
    ),
    "login-client": gettext_lazy("Too many failed logins from your connection."),
    "signup-client": gettext_lazy("Too many new accounts from your connection."),
    "password-reset-client": gettext_lazy(
        "Too many password reset requests from your connection."
    ),
    "password-reset-email": gettext_lazy(
        "Too many password reset emails for this address."
    ),
    "upload-client": gettext_lazy("Too many uploads from your connection."),
    "upload-album": gettext_lazy("Too many uploads to this album just now."),
    "takedown-client": gettext_lazy(
        "Too many take-down requests from your connection."
    ),
    "guest-email-client": gettext_lazy(
        "Too many email addresses from your connection."
    ),
}
# Said before "Please try again shortly." (core.errors.LimiterUnavailable).
UNAVAILABLE_MESSAGES = {
    "code-lookup": gettext_lazy("Opening albums by code is unavailable for a moment."),
    "login": gettext_lazy("Logging in is unavailable for a moment."),
}


def limited(scope, retry_after):
    """The RateLimited for `scope`, with the message that says which limit."""
    return RateLimited(scope, retry_after, MESSAGES.get(scope, _("Too many requests.")))


def unavailable(scope):
    """The LimiterUnavailable (503) for a fail-closed `scope` without its cache."""
    area = scope.rsplit("-", 1)[0]
    message = UNAVAILABLE_MESSAGES.get(area, _("This is unavailable for a moment."))
    return LimiterUnavailable(scope, message)


def _window(scope, key):
    count, period = settings.RATE_LIMITS[scope]
    now = time.time()
    window = int(now // period)
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    return (
        f"ratelimit:{scope}:{window}:{digest}",
        count,
        period,
        (window + 1) * period - now,
    )


def _cache_failed(scope, error):
    if scope in FAIL_CLOSED:
        logger.error("rate limiter: cache unreachable, refusing %s: %r", scope, error)
        raise unavailable(scope) from error
    logger.warning("rate limiter: cache unreachable, not limiting %s: %r", scope, error)


def _incr(cache_key, period, delta=1):
    # add() creates the window's counter only if absent; incr() is atomic.
    # The counter outlives its window a little, never shortens it.
    _cached("add", cache_key, 0, timeout=period + 1)
    try:
        return _cached("incr", cache_key, delta)
    except ValueError:  # Expired between add and incr: a new window.
        _cached("add", cache_key, 0, timeout=period + 1)
        return _cached("incr", cache_key, delta)


def hit(scope, key, count=1):
    """Counts `count` requests (or files of one request) for key in one
    step; raises RateLimited if that takes it over the limit."""
    cache_key, allowed, period, remaining = _window(scope, key)
    try:
        used = _incr(cache_key, period, count)
    except CACHE_ERRORS as error:
        _cache_failed(scope, error)
        return 0
    if used > allowed:
        raise limited(scope, remaining)
    return used


class Attempt:
    """One request counted by attempt() before its outcome is known."""

    def __init__(self, scope, cache_key, window_end):
        self.scope, self.cache_key, self.window_end = scope, cache_key, window_end
        self.refunded = False

    def refund(self):
        """Gives the count back (the request turned out not to count, e.g. the
        code was right). Once its window is over there is nothing to give back."""
        if self.refunded or self.cache_key is None or time.time() >= self.window_end:
            return
        self.refunded = True
        try:
            _cached("decr", self.cache_key)
        except ValueError:  # The counter expired already.
            pass
        except CACHE_ERRORS as error:  # Not given back: stricter, never laxer.
            logger.warning(
                "rate limiter: cache unreachable, not refunding %s: %r",
                self.scope,
                error,
            )


def attempt(scope, key):
    """Counts one request for key before knowing whether it should count, and
    returns an Attempt to refund() if it shouldn't. Over the limit the count is
    given back at once and RateLimited raised. Counting first means requests in
    flight together are all counted, so at most `count` of them in a window get
    past this (check() then hit() afterwards lets each in-flight one through)."""
    cache_key, count, period, remaining = _window(scope, key)
    try:
        used = _incr(cache_key, period)
    except CACHE_ERRORS as error:
        _cache_failed(scope, error)
        return Attempt(scope, None, 0)
    counted = Attempt(scope, cache_key, time.time() + remaining)
    if used > count:
        counted.refund()
        raise limited(scope, remaining)
    return counted


def attempt_all(scopes_and_keys):
    """attempt() for each (scope, key), all or none: when one is over its limit,
    those already counted are given back before RateLimited is raised.
    Returns the Attempts."""
    counted = []
    try:
        for scope, key in scopes_and_keys:
            counted.append(attempt(scope, key))
    except RateLimited:
        for earlier in counted:
            earlier.refund()
        raise
    return counted


def check(scope, key):
    """Raises RateLimited if key has used up its limit, without counting this request."""
    cache_key, count, _period, remaining = _window(scope, key)
    try:
        used = _cached("get", cache_key, 0)
    except CACHE_ERRORS as error:
        _cache_failed(scope, error)
        return
    if used >= count:
        raise limited(scope, remaining)


def reset(scope, key):
    """Forgets key's count in the current window (e.g. after a successful login)."""
    cache_key, *_ = _window(scope, key)
    try:
        _cached("delete", cache_key)
    except CACHE_ERRORS as error:
        logger.warning(
            "rate limiter: cache unreachable, not resetting %s: %r", scope, error
        )


def client_ip(request):
    """The client's address: REMOTE_ADDR, or with settings.TRUSTED_PROXY_COUNT
    proxies in front, the address the outermost trusted proxy saw. Entries
    further left in X-Forwarded-For were written by the client and are ignored."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    ]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote_addr
    candidate = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def client_key(request):
    """What a client is counted by: its IPv4 address, or its IPv6 /64 (one
    household or phone gets a whole /64, so single addresses are free)."""
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "unknown"
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def limit(scope, key=client_key, methods=("POST",)):
    """View decorator: every request with one of `methods` counts against scope
    for key(request); over the limit the view isn't called: RateLimited is
    raised, and core.middleware answers it."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                hit(scope, key(request))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
