"""The upload view's refusals, made before the body is read
(settings.REQUEST_BODY_CHECKS, called by core.middleware.RequestBodyMiddleware).

A form post of photos is up to REQUEST_BODY_LIMITS["upload"] bytes; without
this, all of it would be received and spooled to the temporary folder before
the view found out that the album doesn't exist, is locked, takes no guests
or that the sender is over a rate limit. The view checks the same again
(photos.views.upload): this only answers sooner, the same way."""

from django.http import JsonResponse
from django.shortcuts import render

from albums.access import get_album_or_404
from core import ratelimit
from core.http import wants_json


def upload_precheck(request, match):
    """None if an upload to `match` may go on; else its refusal (a 403
    response, or AlbumNotFound, TooManyLookups or RateLimited raised)."""
    if match is None or match.url_name != "upload" or request.method != "POST":
        return None
    album = get_album_or_404(request, match.kwargs["code"])
    refusal = album.upload_refusal(request.user)
    if refusal:
        if wants_json(request):
            return JsonResponse({"error": refusal, "results": []}, status=403)
        context = {
            "album": album,
            "album_url": album.get_absolute_url(),
            "error": refusal,
            "results": [],
        }
        return render(request, "photos/upload_results.html", context, status=403)
    # Over a limit already: refused without counting (the view counts each file).
    ratelimit.check("upload-client", ratelimit.client_key(request))
    ratelimit.check("upload-album", album.pk)
    return None
