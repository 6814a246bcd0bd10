"""Finding an album from the code in a URL, for everyone and for its owner.

An album code is a shared secret: whoever has it may see the album. Unknown
codes and deleted albums get the same 404, and failed lookups are counted per
client so codes can't be guessed.
"""

from django.http import Http404

from albums.codes import normalize_code
from albums.models import Album

NO_ALBUM = "No album with that code."


def get_album_or_404(request, code):
    normalized = normalize_code(code)
    album = Album.objects.filter(code=normalized).select_related("user").first() if normalized else None
    if album is None:
        raise Http404(NO_ALBUM)
    return album


def get_album_for_owner_or_404(request, code):
    """The album, if the requester owns it (or is staff); else the same 404 as an unknown code."""
    album = get_album_or_404(request, code)
    if not album.is_owned_by(request.user):
        raise Http404(NO_ALBUM)
    return album
