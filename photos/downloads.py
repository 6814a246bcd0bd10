"""What "Download all" weighs for one person, in the query that already
counts the album's photos: no row is read for it."""

from functools import reduce
from operator import or_

from django.db.models import BigIntegerField, Case, F, Q, Sum, When
from django.db.models.functions import Coalesce


def download_size(album, user, guest_key=""):
    """An aggregate: the bytes of the files this person's ZIP of the album
    (photos.views.album_download) holds, over the photos they may see. Each
    is what Photo.download_for gives them: the original, or its
    location-free copy unless the album keeps location, they host the album
    or they added the photo. A copy of unknown size counts as the
    original's. The ZIP's own headers (a few dozen bytes a file) are left
    out: it is the "about" in "Download all (1.2 GB)"."""
    # The hosts, not staff, as in Photo.download_for.
    if album.keep_location or (
        user.is_authenticated and (user.pk == album.user_id or album.is_cohost(user))
    ):
        return Sum("size")
    original = [Q(location_free_link="")]
    if user.is_authenticated:
        original.append(Q(user_id=user.pk))
    if guest_key:
        original.append(Q(user__isnull=True, guest_key=guest_key))
    return Sum(
        Case(
            When(reduce(or_, original), then=F("size")),
            default=Coalesce("location_free_size", "size"),
            output_field=BigIntegerField(),
        )
    )
