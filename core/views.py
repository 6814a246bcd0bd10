"""Views of the shared core: the local storage's signed media URLs, and its
stand-in for S3's pre-signed PUTs of direct uploads."""

import hmac
import re
import time

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django.views.i18n import JavaScriptCatalog

from core import storage
from core.storage import local

# Even opened as a page, a user's file runs nothing and loads nothing.
MEDIA_CSP = "default-src 'none'; sandbox"
# One range of bytes (RFC 9110 14.1.2): "a-b", "a-" or "-n" (the last n).
# Anything else (several ranges, other units, absurd numbers) is ignored:
# the whole file.
# Browsers keep the JavaScript catalog this long (seconds) before asking again.
JAVASCRIPT_CATALOG_MAX_AGE = 3600
SINGLE_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})", re.ASCII)


class Unsatisfiable(Exception):
    """A range that starts past the end of the file (416)."""


def byte_range(header, size):
    """(first, last) byte, inclusive, that a Range header asks for of a file
    of `size` bytes; None for the whole file (no header, or one not understood,
    which RFC 9110 says to ignore). Raises Unsatisfiable."""
    match = SINGLE_RANGE.fullmatch(header.replace(" ", "")) if header else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # the last n bytes
        if int(last) == 0 or size == 0:
            raise Unsatisfiable
        return max(size - int(last), 0), size - 1
    first, last = int(first), int(last) if last else None
    if last is not None and last < first:
        return None  # not a valid range: ignored
    if first >= size:
        raise Unsatisfiable
    return first, size - 1 if last is None else min(last, size - 1)


class FileSlice:
    """`length` bytes of an open file from `first` on, read as FileResponse
    reads a file (and the web process's wsgi.file_wrapper)."""

    def __init__(self, fh, first, length):
        fh.seek(first)
        self.fh = fh
        self.remaining = length

    def read(self, size=-1):
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.fh.read(size)
        self.remaining -= len(data)
        return data

    def close(self):
        self.fh.close()


@require_safe
def media(request, name):
    """Serve one object of the local storage for a signed, unexpired URL.

    The local stand-in for an S3 pre-signed URL: without a valid signature
    nothing is served, and the response type is pinned, never sniffed. On S3
    there is nothing to serve here (404). As S3 does, it answers a single
    Range (a video player seeking) with just those bytes (206).
    """
    try:
        opened = storage.open_signed(name, request.GET.dict())
    except (OSError, ValueError):
        raise Http404(_("No such file.")) from None
    if opened is None:
        raise Http404(_("This link has expired or is not valid."))
    fh, signed = opened
    content_type = signed.get("ResponseContentType") or storage.content_type_for(name)
    size = fh.size
    # If-Range asks for the range only if the file is unchanged; this view
    # sends no validators to compare with, so the whole file is the safe answer.
    header = "" if "If-Range" in request.headers else request.headers.get("Range")
    try:
        wanted = byte_range(header, size)
    except Unsatisfiable:
        fh.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if wanted is None:
        response = FileResponse(fh, content_type=content_type)
    else:
        first, last = wanted
        length = last - first + 1
        response = FileResponse(
            FileSlice(fh, first, length), content_type=content_type, status=206
        )
        response["Content-Length"] = length
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = signed.get("ResponseContentDisposition", "inline")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response


@csrf_exempt  # authorised by its signature, as an S3 pre-signed PUT is
@require_http_methods(["PUT"])
def upload_part(request, key):
    """Receive one part of a direct upload on the local storage: the stand-in
    for S3's pre-signed PUT, checked the same way (key, upload, part number,
    exact size and content type signed; minutes to live)."""
    query = request.GET
    try:
        number, size, expires = (
            int(query[name]) for name in ("part", "size", "Expires")
        )
        upload_id, content_type = query["upload"], query["type"]
    except (KeyError, ValueError):
        return HttpResponseForbidden(_("This upload link is not valid."))
    expected = local.upload_signature(
        key, upload_id, number, size, content_type, expires
    )
    if not hmac.compare_digest(query.get("Signature", ""), expected):
        return HttpResponseForbidden(_("This upload link is not valid."))
    if expires < time.time():
        return HttpResponseForbidden(_("This upload link has expired."))
    if request.headers.get("Content-Length") != str(size):
        return HttpResponseBadRequest(
            ngettext(
                "This part must be exactly %(size)s byte.",
                "This part must be exactly %(size)s bytes.",
                size,
            )
            % {"size": size}
        )
    try:
        etag = storage.write_upload_part(key, upload_id, number, request, size)
    except FileNotFoundError:
        raise Http404(_("No such upload.")) from None
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    response = HttpResponse(status=200)
    response["ETag"] = etag
    return response


_javascript_catalog = JavaScriptCatalog.as_view()


@require_safe
def javascript_catalog(request):
    """The translations static/js uses (Django's JavaScriptCatalog), in the
    language the page was in: its URL names it (?language=, templates/base.html),
    since an album page may be in the album's language, which this request,
    carrying no album, can't know. A URL per language, so it may be cached."""
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
    response = _javascript_catalog(request)
    patch_cache_control(response, public=True, max_age=JAVASCRIPT_CATALOG_MAX_AGE)
    return response
