"""Turning a limit, a lost database or unreachable storage into a clear answer instead of a 500."""

import logging
import sqlite3

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from albums import ratelimit
from photos.storage import StorageUnavailable

logger = logging.getLogger(__name__)

RETRY_AFTER = 30
DATABASE_UNAVAILABLE = "PartyShots can't reach its database for a moment. Your photos are safe: please try again shortly."
STORAGE_UNAVAILABLE = "PartyShots can't reach its photo storage for a moment. Your photos are safe: please try again shortly."
# SQLSTATE classes of a lost or refused connection: 08 (connection exception),
# 57P01-03 (server shutting down, crashed, or starting up). Other operational
# errors (a deadlock, a missing table) are bugs or conflicts, not an outage.
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")
_SQLITE_UNAVAILABLE = (
    "unable to open database file",
    "database is locked",
    "disk i/o error",
)


class RateLimitMiddleware:
    """Answers albums.ratelimit.RateLimited raised anywhere in a view with a 429/503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ratelimit.RateLimited):
            logger.info(
                "rate limited: %s %s %s from %s",
                exception.scope,
                request.method,
                request.path,
                ratelimit.client_ip(request),
            )
            return ratelimit.rate_limited_response(request, exception)
        return None


def is_connection_error(exception):
    """Whether a database error means the database is unreachable (not a bug)."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        return str(cause).lower().startswith(_SQLITE_UNAVAILABLE)
    sqlstate = getattr(cause, "sqlstate", None)
    # psycopg gives no SQLSTATE when it never reached the server.
    return sqlstate is None or sqlstate.startswith(_CONNECTION_SQLSTATES)


def service_unavailable_response(request, message):
    """A 503 rendered without touching the database (no request context: no
    session, no user, no messages)."""
    headers = {"Retry-After": str(RETRY_AFTER)}
    if (
        request.get_preferred_type(["text/html", "application/json"])
        == "application/json"
    ):
        return JsonResponse({"error": message}, status=503, headers=headers)
    html = render_to_string("503.html", {"message": message})
    return HttpResponse(html, status=503, headers=headers)


class ServiceUnavailableMiddleware:
    """The database or the photo storage gone away answers 503 with a friendly
    page and one log line, not a 500 and a traceback per request. Nothing to do
    to recover: Django reconnects (CONN_HEALTH_CHECKS) on the next request, and
    storage is asked afresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, StorageUnavailable):
            # photos.storage logged the cause with its traceback.
            logger.error("storage unavailable: %s %s", request.method, request.path)
            return service_unavailable_response(request, STORAGE_UNAVAILABLE)
        if not is_connection_error(exception):
            return None
        detail = " ".join(str(exception).split())[:200]
        logger.error(
            "database unavailable: %s %s: %s", request.method, request.path, detail
        )
        return service_unavailable_response(request, DATABASE_UNAVAILABLE)
