"""One place that turns a refusal raised in a view into its answer: a page
for browsers, JSON for the page's fetch() calls. Views raise; none of them
formats a 404, a 429 or a 503 itself."""

import logging
import sqlite3

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core import ratelimit, requestbody
from core.errors import (
    DatabaseUnavailable,
    LimiterUnavailable,
    RateLimited,
    Refusal,
    RequestTimeout,
    RequestTooLarge,
    StorageUnavailable,
)
from core.http import wants_json

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = DatabaseUnavailable.message
STORAGE_UNAVAILABLE = StorageUnavailable.message
# SQLSTATE classes of a lost or refused connection: 08 (connection exception),
# 57P01-03 (server shutting down, crashed, or starting up). Other operational
# errors (a deadlock, a missing table) are bugs or conflicts, not an outage.
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")
_SQLITE_UNAVAILABLE = (
    "unable to open database file",
    "database is locked",
    "disk i/o error",
)


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


def refusal_response(request, refusal):
    """A Refusal's answer, with Retry-After. A 503 is rendered without the
    request context (no session, no user): the database may be what's gone."""
    headers = {}
    if refusal.retry_after is not None:
        headers["Retry-After"] = str(refusal.retry_after)
    # In the language of the request (core.languages), as a plain string.
    message = str(refusal.message)
    if wants_json(request):
        body = {"error": message}
        if isinstance(refusal, RateLimited):
            body["retry_after"] = refusal.retry_after
        return JsonResponse(body, status=refusal.status, headers=headers)
    context = {"message": message}
    if refusal.status == 503:
        # No context processors here: the page's language is named for it.
        context["LANGUAGE_CODE"] = translation.get_language()
        html = render_to_string(refusal.template, context)
        return HttpResponse(html, status=503, headers=headers)
    response = render(request, refusal.template, context, status=refusal.status)
    for name, value in headers.items():
        response[name] = value
    return response


def not_found(request, exception=None):
    """The 404 page (also Django's handler404). A NotFound names its own page;
    a resolver's 404 (no such URL) says nothing of the patterns it tried."""
    template = getattr(exception, "template", "404.html")
    args = getattr(exception, "args", ())
    # A message may be marked for translation (lazy): said in the request's language.
    message = str(args[0]) if args and isinstance(args[0], str | Promise) else ""
    if wants_json(request):
        return JsonResponse({"error": message or _("Not found.")}, status=404)
    return render(request, template, {"message": message}, status=404)


class ErrorMiddleware:
    """Answers the refusals of core.errors, Http404 and a lost database raised
    anywhere in a view. Innermost in MIDDLEWARE, so it sees them first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return answer(request, exception)


def answer(request, exception):
    """The answer to a refusal, a 404 or a lost database raised while handling
    `request`, or None for any other exception."""
    if isinstance(exception, Http404):
        return not_found(request, exception)
    if isinstance(exception, RateLimited) and not isinstance(
        exception, LimiterUnavailable
    ):
        logger.info(
            "rate limited: %s %s %s from %s",
            exception.scope,
            request.method,
            request.path,
            ratelimit.client_ip(request),
        )
        return refusal_response(request, exception)
    if isinstance(exception, StorageUnavailable):
        # core.storage logged the cause with its traceback.
        logger.error("storage unavailable: %s %s", request.method, request.path)
        return refusal_response(request, exception)
    if isinstance(exception, RequestTooLarge | RequestTimeout):
        logger.warning(
            "%s: %s %s from %s",
            exception,
            request.method,
            request.path,
            ratelimit.client_ip(request),
        )
        return refusal_response(request, exception)
    if isinstance(exception, Refusal):
        logger.error("%s: %s %s", exception, request.method, request.path)
        return refusal_response(request, exception)
    if is_connection_error(exception):
        detail = " ".join(str(exception).split())[:200]
        logger.error(
            "database unavailable: %s %s: %s", request.method, request.path, detail
        )
        return refusal_response(request, DatabaseUnavailable())
    return None


class RequestBodyMiddleware:
    """Refuses a request before its body is read (core.requestbody): 413 when
    the declared length is over what the address accepts, or the answer of
    one of settings.REQUEST_BODY_CHECKS (each called as check(request, match)
    with the resolver match; it returns a response, raises a refusal, or
    returns None to let the request through). Goes after the session and
    authentication middleware (checks may need the user) and before
    CsrfViewMiddleware, the first to read request.POST.

    Under core.asgi a body not read yet is marked DEFER: once the checks pass
    this tells core.asgi the limit and answers nothing, and core.asgi reads
    the body and sends the request through again."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.checks = [import_string(path) for path in settings.REQUEST_BODY_CHECKS]

    def __call__(self, request):
        if not requestbody.has_body(request):
            return self.get_response(request)
        try:
            response = self.refusal(request)
        except Exception as exception:
            response = answer(request, exception)
            if response is None:
                raise
        if response is not None:
            return response
        return self.get_response(request)

    def refusal(self, request):
        meta = request.META
        if meta.get(requestbody.REFUSED) == requestbody.TOO_LARGE:
            raise RequestTooLarge(meta[requestbody.REFUSED_LIMIT])
        if meta.get(requestbody.REFUSED) == requestbody.TIMEOUT:
            raise RequestTimeout(settings.REQUEST_BODY_TIMEOUT)
        match = requestbody.match(request)
        limit = requestbody.limit_for(match)
        if requestbody.declared_length(request) > limit:
            raise RequestTooLarge(limit)
        if meta.get(requestbody.CHECKED):
            return None
        for check in self.checks:
            response = check(request, match)
            if response is not None:
                return response
        defer = meta.get(requestbody.DEFER)
        if defer is not None:
            defer(limit)
            # Not sent: core.asgi reads the body and asks again.
            return HttpResponse(status=204)
        return None
