"""The refusals a view raises instead of formatting a response itself;
core.middleware.ErrorMiddleware answers each as a page or as JSON."""

import math

from django.http import Http404


class NotFound(Http404):
    """A 404 that says what was not found, on a page of its own (`template`,
    given `message`). A plain Http404's text is shown on 404.html."""

    template = "404.html"

    def __init__(self, message="There is nothing at this address."):
        super().__init__(message)
        self.message = message


class Refusal(Exception):
    """A request refused for a reason that passes: `status`, `message`, and
    how many seconds to wait before trying again (Retry-After)."""

    status = 503
    message = "PartyShots is unavailable for a moment. Please try again shortly."
    retry_after = 30
    template = "503.html"


class RateLimited(Refusal):
    """A request over a limit: 429, try again after `retry_after` seconds.
    `scope` names the limit; its message comes from core.ratelimit.MESSAGES."""

    status = 429
    template = "429.html"

    def __init__(self, scope, retry_after, message="Too many requests."):
        self.scope = scope
        self.retry_after = max(1, math.ceil(retry_after))
        self.reason = message
        super().__init__(f"{scope}: rate limited for {self.retry_after}s")

    @property
    def message(self):
        minutes = math.ceil(self.retry_after / 60)
        wait = (
            f"{minutes} minute{'s' if minutes != 1 else ''}"
            if self.retry_after > 60
            else "a minute"
        )
        return f"{self.reason} Please try again in {wait}."


class LimiterUnavailable(RateLimited):
    """The limiter's cache is down and the scope fails closed: 503."""

    status = 503
    template = "503.html"

    def __init__(self, scope, message="This is unavailable for a moment."):
        super().__init__(scope, 30, message)

    @property
    def message(self):
        return f"{self.reason} Please try again shortly."


class StorageUnavailable(Refusal):
    """Storage failed for a reason that is ours, not the user's file's: it
    can't be written to or can't sign a URL."""

    message = (
        "PartyShots can't reach its photo storage for a moment. "
        "Your photos are safe: please try again shortly."
    )


class DatabaseUnavailable(Refusal):
    """The database can't be reached (core.middleware recognises the errors)."""

    message = (
        "PartyShots can't reach its database for a moment. "
        "Your photos are safe: please try again shortly."
    )


def _size(limit):
    megabytes = limit / (1024 * 1024)
    if megabytes < 1:
        return f"{limit // 1024} KB"
    if megabytes >= 10:
        return f"{megabytes:,.0f} MB"
    return f"{megabytes:.1f} MB".replace(".0 MB", " MB")


class RequestTooLarge(Refusal):
    """A request body over what its address accepts (core.requestbody): 413,
    answered before the body is read when Content-Length says so."""

    status = 413
    retry_after = None
    template = "refused.html"

    def __init__(self, limit):
        self.limit = limit
        super().__init__(f"request body over {limit} bytes")

    @property
    def message(self):
        return (
            f"That is more than PartyShots accepts at once (at most {_size(self.limit)}"
            " here). Send fewer or smaller files at a time."
        )


class RequestTimeout(Refusal):
    """A request body that stopped arriving for settings.REQUEST_BODY_TIMEOUT
    seconds: 408, and the connection is closed."""

    status = 408
    retry_after = None
    template = "refused.html"

    def __init__(self, seconds):
        self.seconds = seconds
        super().__init__(f"request body stalled for {seconds}s")

    @property
    def message(self):
        return (
            f"Nothing more of what you were sending arrived for {self.seconds} seconds, "
            "so PartyShots stopped waiting. Please try again."
        )
