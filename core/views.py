"""Views of the shared core: the local storage's signed media URLs."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from core import storage

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
