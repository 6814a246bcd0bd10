import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from photos import storage


def media(request, name):
    """Serve one object of the local storage for a signed, unexpired URL.

    The local stand-in for an S3 pre-signed URL: without a valid signature
    nothing is served, and the response type is pinned, never sniffed.
    """
    if not isinstance(default_storage, storage.LocalSignedStorage):
        raise Http404("No such file.")
    signed = storage.check_local_signature(name, request.GET.dict())
    if signed is None:
        raise Http404("This link has expired or is not valid.")
    try:
        fh = default_storage.open(name, "rb")
    except (FileNotFoundError, ValueError, OSError):
        raise Http404("No such file.")
    content_type = signed.get("ResponseContentType") or mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(fh, content_type=content_type)
    response["Content-Disposition"] = signed.get("ResponseContentDisposition", "inline")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
