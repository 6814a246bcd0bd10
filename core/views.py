"""Views of the shared core: the local storage's signed media URLs, and its
stand-in for S3's pre-signed PUTs of direct uploads."""

import hmac
import time

from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from core import storage
from core.storage import local

# Even opened as a page, a user's file runs nothing and loads nothing.
MEDIA_CSP = "default-src 'none'; sandbox"


@require_safe
def media(request, name):
    """Serve one object of the local storage for a signed, unexpired URL.

    The local stand-in for an S3 pre-signed URL: without a valid signature
    nothing is served, and the response type is pinned, never sniffed. On S3
    there is nothing to serve here (404).
    """
    try:
        opened = storage.open_signed(name, request.GET.dict())
    except (OSError, ValueError):
        raise Http404("No such file.") from None
    if opened is None:
        raise Http404("This link has expired or is not valid.")
    fh, signed = opened
    content_type = signed.get("ResponseContentType") or storage.content_type_for(name)
    response = FileResponse(fh, content_type=content_type)
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
        return HttpResponseForbidden("This upload link is not valid.")
    expected = local.upload_signature(
        key, upload_id, number, size, content_type, expires
    )
    if not hmac.compare_digest(query.get("Signature", ""), expected):
        return HttpResponseForbidden("This upload link is not valid.")
    if expires < time.time():
        return HttpResponseForbidden("This upload link has expired.")
    if request.headers.get("Content-Length") != str(size):
        return HttpResponseBadRequest(f"This part must be exactly {size} bytes.")
    try:
        etag = storage.write_upload_part(key, upload_id, number, request, size)
    except FileNotFoundError:
        raise Http404("No such upload.") from None
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    response = HttpResponse(status=200)
    response["ETag"] = etag
    return response
