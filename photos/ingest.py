"""Ingest: checking one file and storing it as a photo of an album.

The one path every photo takes: the upload view, the import_photos command
and (next) the background worker all call add(). It knows nothing of HTTP:
it returns an Outcome, and each caller says it in its own terms (the upload
view maps outcomes to statuses in photos.views.OUTCOME_STATUS).
"""

import hashlib
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone

from albums.access import NO_ALBUM
from albums.models import Album
from core import storage
from photos import images
from photos.models import Photo

logger = logging.getLogger(__name__)

FILENAME_MAX_LENGTH = 200
UNAVAILABLE_MESSAGE = (
    "The photo could not be saved just now (storage is unavailable). "
    "Please try again in a minute."
)

# Outcome.status
ADDED, DUPLICATE, REJECTED, UNAVAILABLE = (
    "added",
    "duplicate",
    "rejected",
    "unavailable",
)
# Outcome.refusal, for a rejection that is not about the file itself.
ALBUM_FULL, ALBUM_BYTES_FULL, GUEST_QUOTA = "album-full", "album-bytes-full", "guest"
ALBUM_GONE = "album-gone"  # deleted (or merged away) while the file came in
GUEST_QUOTA_REACHED = (
    "You have added {} photos as a guest, the most one guest may add. "
    "Log in to add more."
)


@dataclass
class Outcome:
    """What became of one file: added, duplicate (the album has it already),
    rejected (message says why; `refusal` is set when the reason is a quota,
    not the file) or unavailable (storage or the database failed; try again)."""

    status: str
    message: str
    photo: Photo | None = None
    refusal: str = ""


def clean_filename(name, default_extension="jpg"):
    """The base name only, without path separators or control characters,
    length capped."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _strip_dots_and_spaces(
        "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    )
    if len(name) > FILENAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: FILENAME_MAX_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = _strip_dots_and_spaces(name[:FILENAME_MAX_LENGTH])
    return name or f"photo.{default_extension}"


def _strip_dots_and_spaces(name):
    # Together, so cleaning a clean name changes nothing ("0 ." -> "0", not "0 ").
    return re.sub(r"^[\s.]+|[\s.]+$", "", name)


def _gigabytes(size):
    return f"{size / 1024**3:.0f}" if size % 1024**3 == 0 else f"{size / 1024**3:.1f}"


def _megabytes(size):
    if size >= 10 * 1024 * 1024:
        return f"{size / 1024 / 1024:.0f}"
    return f"{size / 1024 / 1024:.1f}"


def album_quota_refusal(album, size):
    """A rejection if one more photo of `size` bytes takes `album` past
    ALBUM_MAX_PHOTOS or ALBUM_MAX_BYTES, else None. Exact only under the
    album's row lock, as add() checks it again before inserting; on its own
    (before the costly work) uploads racing in may each pass."""
    totals = album.photos.aggregate(count=models.Count("id"), size=models.Sum("size"))
    if totals["count"] >= settings.ALBUM_MAX_PHOTOS:
        message = (
            f"This album is full: {settings.ALBUM_MAX_PHOTOS} photos is the limit."
        )
        return Outcome(REJECTED, message, refusal=ALBUM_FULL)
    if (totals["size"] or 0) + size > settings.ALBUM_MAX_BYTES:
        limit = _gigabytes(settings.ALBUM_MAX_BYTES)
        message = f"This album is full: {limit} GB of photos is the limit."
        return Outcome(REJECTED, message, refusal=ALBUM_BYTES_FULL)
    return None


def guest_quota_refusal(guest_key):
    """A rejection if the guest whose key this is (photos.guests) has added
    GUEST_SESSION_MAX_PHOTOS photos (counted from the rows), else None."""
    added = Photo.objects.filter(user__isnull=True, guest_key=guest_key).count()
    if added >= settings.GUEST_SESSION_MAX_PHOTOS:
        message = GUEST_QUOTA_REACHED.format(settings.GUEST_SESSION_MAX_PHOTOS)
        return Outcome(REJECTED, message, refusal=GUEST_QUOTA)
    return None


def _refusal(album, size, guest_key):
    """The quota refusal for one more photo of `size` bytes, or None."""
    if full := album_quota_refusal(album, size):
        return full
    if guest_key and (full := guest_quota_refusal(guest_key)):
        return full
    return None


def _refusal_under_lock(album, account, sha256, size, guest_key):
    """Lock the uploader's account row, then the album's row, until the
    transaction ends; then why the photo may not be added after all (the
    album is gone, has the file already, or is full), or None.

    FOR NO KEY UPDATE (select_for_update(no_key=True)), not FOR SHARE: it
    conflicts with the FOR UPDATE that deleting an album or an account takes
    first (Album.delete(), AlbumQuerySet.delete(), accounts.deletion), so an
    album is never deleted between this check and the insert: the delete
    waits for this transaction and takes the new photo with it, or this waits
    for the delete and finds no album. Unlike FOR SHARE it also conflicts
    with itself, so two uploads into one album take turns counting and
    inserting and the quotas hold exactly. It doesn't conflict with the FOR
    KEY SHARE of foreign-key checks (a follow, a tag). Account, then album:
    the order accounts.deletion locks them in, so the two can't deadlock.
    SQLite has no row locks (a plain SELECT there) and writes one transaction
    at a time."""
    if account is not None:
        list(
            account._meta.model._default_manager.select_for_update(no_key=True)
            .filter(pk=account.pk)
            .values_list("pk", flat=True)
        )
    if not Album.objects.select_for_update(no_key=True).filter(pk=album.pk).exists():
        return Outcome(REJECTED, NO_ALBUM, refusal=ALBUM_GONE)
    if existing := album.photos.filter(sha256=sha256).first():
        return Outcome(DUPLICATE, "already in the album", existing)
    return _refusal(album, size, guest_key)


def add(album, file, *, user=None, guest_name="", guest_key="", filename=None):
    """Check one file and store it in `album` through the whole pipeline:
    size, duplicate by sha256, the album's quota (and a guest's, by
    `guest_key`, photos.guests), the image checks and renditions
    (photos.images), the storage objects, then the row. Returns an Outcome
    and never raises for a bad file; whatever was written before a failure
    is removed.

    The duplicate and quota checks run twice: before the costly work, and
    again under the album's row lock (_refusal_under_lock) in the transaction that
    inserts the row, so parallel uploads can't overshoot a quota and an
    album deleted meanwhile gets no photo (the outcome is ALBUM_GONE)."""
    account = user if user is not None and user.is_authenticated else None
    guest_key = "" if account else guest_key
    display_name = clean_filename(filename or getattr(file, "name", ""))
    size = getattr(file, "size", None)
    if size is not None and size > settings.PHOTO_MAX_BYTES:
        limit = settings.PHOTO_MAX_BYTES // 1024 // 1024
        return Outcome(
            REJECTED, f"file is {_megabytes(size)} MB; the limit is {limit} MB"
        )
    if not size:
        return Outcome(REJECTED, "file is empty")

    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    sha256 = digest.hexdigest()
    existing = album.photos.filter(sha256=sha256).first()
    if existing:
        return Outcome(DUPLICATE, "already in the album", existing)
    if full := _refusal(album, size, guest_key):
        return full

    try:
        rendered = images.process(file, display_name)
    except images.RejectedImage as exc:
        return Outcome(REJECTED, str(exc))

    stem = f"albums/{album.pk}/{uuid.uuid4().hex}"
    keys = {
        "link": f"{stem}.{rendered.extension}",
        "tlink": f"{stem}_t.jpg",
        "display_link": f"{stem}_d.jpg",
    }
    location_free = None
    if rendered.has_location:
        if rendered.format == "JPEG":
            file.seek(0)
            try:
                location_free = images.jpeg_without_metadata(
                    file.read(), rendered.orientation
                )
            except (ValueError, IndexError):
                # Decoders skip what they can't parse; stripping the location
                # can't, and a copy that might keep it is never made.
                return Outcome(REJECTED, images.UNSTRIPPABLE_LOCATION)
        else:
            location_free = rendered.location_free
        keys["location_free_link"] = f"{stem}_p.jpg"

    renditions = [
        (keys["display_link"], rendered.display),
        (keys["tlink"], rendered.thumbnail),
    ]
    if location_free is not None:
        renditions.append((keys["location_free_link"], location_free))
    written = []
    try:
        file.seek(0)
        written.append(storage.save(keys["link"], file, rendered.content_type))
        for key, content in renditions:
            written.append(storage.save(key, content, images.RENDITION_CONTENT_TYPE))
    except Exception:
        logger.exception(
            "could not store photo %s for album %s", display_name, album.pk
        )
        storage.delete(written)  # no row refers to them: delete at once
        return Outcome(UNAVAILABLE, UNAVAILABLE_MESSAGE)

    now = timezone.now()
    try:
        with transaction.atomic():
            refused = _refusal_under_lock(album, account, sha256, size, guest_key)
            if refused is None:
                photo = Photo.objects.create(
                    album=album,
                    user=account,
                    guest_name="" if account else guest_name[:60],
                    guest_key=guest_key,
                    filename=display_name,
                    content_type=rendered.content_type,
                    size=size,
                    width=rendered.width,
                    height=rendered.height,
                    taken_at=rendered.taken_at or now,
                    created_at=now,
                    sha256=sha256,
                    location_free_size=(
                        len(location_free) if location_free is not None else None
                    ),
                    **keys,
                )
                # Under the album's lock: no other upload can take the cover.
                Photo.objects.cover_first_photo(photo)
    except IntegrityError:
        storage.delete(written)
        existing = album.photos.filter(sha256=sha256).first()
        if existing:  # the same file arrived twice at once
            return Outcome(DUPLICATE, "already in the album", existing)
        logger.exception("could not save photo %s for album %s", display_name, album.pk)
        return Outcome(UNAVAILABLE, UNAVAILABLE_MESSAGE)
    except DatabaseError:
        logger.exception("could not save photo %s for album %s", display_name, album.pk)
        storage.delete(written)
        return Outcome(UNAVAILABLE, UNAVAILABLE_MESSAGE)
    if refused is not None:
        storage.delete(written)  # no row refers to them: delete at once
        return refused
    return Outcome(ADDED, "added", photo)
