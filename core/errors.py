"""The refusals a view raises instead of formatting a response itself;
core.middleware.ErrorMiddleware answers each as a page or as JSON."""

import math
from decimal import Decimal

from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# The default messages, said in the language of the request that gets them.
NOTHING_HERE = gettext_lazy("There is nothing at this address.")
TOO_MANY_REQUESTS = gettext_lazy("Too many requests.")
UNAVAILABLE_FOR_A_MOMENT = gettext_lazy("This is unavailable for a moment.")


class NotFound(Http404):
    """A 404 that says what was not found, on a page of its own (`template`,
    given `message`). A plain Http404's text is shown on 404.html."""

    template = "404.html"

    def __init__(self, message=NOTHING_HERE):
        super().__init__(message)
        self.message = message


class Refusal(Exception):
    """A request refused for a reason that passes: `status`, `message`, and
    how many seconds to wait before trying again (Retry-After)."""

    status = 503
    message = gettext_lazy(
        "PartyShots is unavailable for a moment. Please try again shortly."
    )
    retry_after = 30
    template = "503.html"


class RateLimited(Refusal):
    """A request over a limit: 429, try again after `retry_after` seconds.
    `scope` names the limit; its message comes from core.ratelimit.MESSAGES."""

    status = 429
    template = "429.html"

    def __init__(self, scope, retry_after, message=TOO_MANY_REQUESTS):
        self.scope = scope
        self.retry_after = max(1, math.ceil(retry_after))
        self.reason = message
        super().__init__(f"{scope}: rate limited for {self.retry_after}s")

    @property
    def message(self):
        if self.retry_after > 60:
            minutes = math.ceil(self.retry_after / 60)
            wait = ngettext(
                "Please try again in %(count)s minute.",
                "Please try again in %(count)s minutes.",
                minutes,
            ) % {"count": minutes}
        else:
            wait = _("Please try again in a minute.")
        # The reason, then when to try again: two sentences.
        return f"{self.reason} {wait}"


class LimiterUnavailable(RateLimited):
    """The limiter's cache is down and the scope fails closed: 503."""

    status = 503
    template = "503.html"

    def __init__(self, scope, message=UNAVAILABLE_FOR_A_MOMENT):
        super().__init__(scope, 30, message)

    @property
    def message(self):
        wait = _("Please try again shortly.")
        return f"{self.reason} {wait}"


class StorageUnavailable(Refusal):
    """Storage failed for a reason that is ours, not the user's file's: it
    can't be written to or can't sign a URL."""

    message = gettext_lazy(
        "PartyShots can't reach its photo storage for a moment. "
        "Your photos are safe: please try again shortly."
    )


class DatabaseUnavailable(Refusal):
    """The database can't be reached (core.middleware recognises the errors)."""

    message = gettext_lazy(
        "PartyShots can't reach its database for a moment. "
        "Your photos are safe: please try again shortly."
    )


def _size(limit):
    """`limit` bytes in KB or MB, as the language writes numbers: "512 KB",
    "2.5 MB", "1,024 MB" in English."""
    megabytes = limit / (1024 * 1024)
    if megabytes < 1:
        # Translators: a size in kilobytes.
        return _("%(size)s KB") % {"size": number_format(limit // 1024)}
    if megabytes >= 10:
        size = number_format(round(megabytes), force_grouping=True)
    else:
        tenths = Decimal(f"{megabytes:.1f}")
        places = 0 if tenths == tenths.to_integral_value() else 1
        size = number_format(tenths, decimal_pos=places)
    # Translators: a size in megabytes.
    return _("%(size)s MB") % {"size": size}


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
        return _(
            "That is more than PartyShots accepts at once (at most %(size)s here). "
            "Send fewer or smaller files at a time."
        ) % {"size": _size(self.limit)}


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
        seconds = self.seconds
        # ngettext wants a whole number; a fraction of a second (a test's
        # setting) reads as plural, as in English.
        count = int(seconds) if float(seconds).is_integer() else 2
        return ngettext(
            "Nothing more of what you were sending arrived for %(seconds)s second, "
            "so PartyShots stopped waiting. Please try again.",
            "Nothing more of what you were sending arrived for %(seconds)s seconds, "
            "so PartyShots stopped waiting. Please try again.",
            count,
        ) % {"seconds": number_format(seconds)}
