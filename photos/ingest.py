"""Ingest: checking one file and storing it as a photo of an album.

The one path every photo takes: the upload view, the import_photos command
and (next) the background worker all call add(). It knows nothing of HTTP:
it returns an Outcome, and each caller says it in its own terms (the upload
view maps outcomes to statuses in photos.views.OUTCOME_STATUS).
"""

import hashlib
import logging
import os
import re
import shutil
import tempfile
import unicodedata
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from albums.access import NO_ALBUM
from albums.models import Album
from core import storage
from photos import images, videos
from photos.images.colour import dominant_colour
from photos.models import Photo

logger = logging.getLogger(__name__)

FILENAME_MAX_LENGTH = 200
UNAVAILABLE_MESSAGE = gettext_lazy(
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
# Translators: what became of a file sent to an album, shown after its name
# ("IMG_1234.JPG: added").
ADDED_MESSAGE = gettext_lazy("added")
# Translators: what became of a file sent to an album that has it already,
# shown after its name ("IMG_1234.JPG: already in the album").
ALREADY_IN_ALBUM = gettext_lazy("already in the album")
# Formatted with {"count": GUEST_SESSION_MAX_PHOTOS}.
GUEST_QUOTA_REACHED = ngettext_lazy(
    "You have added %(count)s photo or video as a guest, the most one guest may "
    "add. Log in to add more.",
    "You have added %(count)s photos and videos as a guest, the most one guest "
    "may add. Log in to add more.",
    "count",
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

    def __post_init__(self):
        # A lazy message (UNAVAILABLE_MESSAGE, images.EMPTY...) is said in the
        # language active now: the sender's.
        self.message = str(self.message)


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
    """`size` in GB for a message, in the active language's digits ("1.5")."""
    text = f"{size / 1024**3:.0f}" if size % 1024**3 == 0 else f"{size / 1024**3:.1f}"
    return str(number_format(text))


def _megabytes(size):
    """`size` in MB for a message, in the active language's digits ("1.5")."""
    if size >= 10 * 1024 * 1024:
        return str(number_format(f"{size / 1024 / 1024:.0f}"))
    return str(number_format(f"{size / 1024 / 1024:.1f}"))


def album_full_message():
    """The refusal for an album with ALBUM_MAX_PHOTOS photos and videos."""
    count = settings.ALBUM_MAX_PHOTOS
    return ngettext(
        "This album is full, so nothing more can be added (the most is "
        "%(count)s photo or video).",
        "This album is full, so nothing more can be added (the most is "
        "%(count)s photos and videos).",
        count,
    ) % {"count": count}


def album_bytes_full_message():
    """The refusal for a file that would take an album past ALBUM_MAX_BYTES."""
    return _(
        "This album is full, so nothing more can be added (the most is %(size)s "
        "GB of photos and videos)."
    ) % {"size": _gigabytes(settings.ALBUM_MAX_BYTES)}


def album_quota_refusal(album, size):
    """A rejection if one more photo of `size` bytes takes `album` past
    ALBUM_MAX_PHOTOS or ALBUM_MAX_BYTES, else None. Exact only under the
    album's row lock, as add() checks it again before inserting; on its own
    (before the costly work) uploads racing in may each pass."""
    totals = album.photos.aggregate(count=models.Count("id"), size=models.Sum("size"))
    if totals["count"] >= settings.ALBUM_MAX_PHOTOS:
        return Outcome(REJECTED, album_full_message(), refusal=ALBUM_FULL)
    if (totals["size"] or 0) + size > settings.ALBUM_MAX_BYTES:
        return Outcome(REJECTED, album_bytes_full_message(), refusal=ALBUM_BYTES_FULL)
    return None


def guest_photo_count(guest_key):
    """How many photos the guest whose key this is has added, for the guest
    quota: those out of the trash (Photo.objects), in albums out of it."""
    return Photo.objects.filter(
        user__isnull=True, guest_key=guest_key, album__deleted_at__isnull=True
    ).count()


def guest_quota_refusal(guest_key):
    """A rejection if the guest whose key this is (photos.guests) has added
    GUEST_SESSION_MAX_PHOTOS photos (counted from the rows), else None."""
    added = guest_photo_count(guest_key)
    if added >= settings.GUEST_SESSION_MAX_PHOTOS:
        message = GUEST_QUOTA_REACHED % {"count": settings.GUEST_SESSION_MAX_PHOTOS}
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
        return Outcome(DUPLICATE, ALREADY_IN_ALBUM, existing)
    return _refusal(album, size, guest_key)


def add(album, file, *, user=None, guest_name="", guest_key="", filename=None):
    """Check one file and store it in `album` through the whole pipeline:
    size, duplicate by sha256, the album's quota (and a guest's, by
    `guest_key`, photos.guests), the checks and renditions of a photo
    (photos.images) or a video clip (photos.videos), the storage objects,
    then the row. Returns an Outcome and never raises for a bad file;
    whatever was written before a failure is removed.

    The duplicate and quota checks run twice: before the costly work, and
    again under the album's row lock (_refusal_under_lock) in the transaction that
    inserts the row, so parallel uploads can't overshoot a quota and an
    album deleted meanwhile gets no photo (the outcome is ALBUM_GONE)."""
    account = user if user is not None and user.is_authenticated else None
    guest_key = "" if account else guest_key
    display_name = clean_filename(filename or getattr(file, "name", ""))
    size = getattr(file, "size", None)
    is_video = videos.is_video(
        _head(file), display_name, getattr(file, "content_type", None) or ""
    )
    if size is not None and (refused := size_refusal(size, is_video)):
        return Outcome(REJECTED, refused)
    if not size:
        return Outcome(REJECTED, images.EMPTY)

    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    sha256 = digest.hexdigest()
    existing = album.photos.filter(sha256=sha256).first()
    if existing:
        return Outcome(DUPLICATE, ALREADY_IN_ALBUM, existing)
    if full := _refusal(album, size, guest_key):
        return full

    stem = f"albums/{album.pk}/{uuid.uuid4().hex}"
    prepare = _prepare_video if is_video else _prepare_photo
    with prepare(file, display_name, size, stem) as prepared:
        if isinstance(prepared, Outcome):
            return prepared
        return _store(
            album, account, guest_name, guest_key, display_name, size, sha256, prepared
        )


def _head(file):
    """The first bytes, or none for a file whose bytes were not kept
    (photos.uploads.OversizeUpload)."""
    try:
        file.seek(0)
        head = file.read(64)
        file.seek(0)
    except (AttributeError, ValueError):
        return b""
    return head


def size_refusal(size, is_video):
    """The message refusing a file of `size` bytes, or None if it may come in."""
    limit = settings.VIDEO_MAX_BYTES if is_video else settings.PHOTO_MAX_BYTES
    if size <= limit:
        return None
    values = {"size": _megabytes(size), "limit": limit // 1024 // 1024}
    if is_video:
        return (
            _("This video is too large to add (%(size)s MB; the most is %(limit)s MB).")
            % values
        )
    return (
        _("This photo is too large to add (%(size)s MB; the most is %(limit)s MB).")
        % values
    )


@dataclass
class Prepared:
    """What a checked file becomes: its row's fields and storage keys, and
    the objects to write, (key, bytes or a file on disk, content type)."""

    fields: dict
    objects: list


def _original_and_renditions(stem, file, extension, content_type, rendered):
    """The keys and objects every photo and clip has: the original, and the
    display, thumbnail and grid renditions (of a clip: of its poster)."""
    keys = {
        "link": f"{stem}.{extension}",
        "tlink": f"{stem}_t.jpg",
        "small_link": f"{stem}_s.webp",
        "display_link": f"{stem}_d.jpg",
    }
    objects = [
        (keys["link"], file, content_type),
        (keys["display_link"], rendered.display, images.RENDITION_CONTENT_TYPE),
        (keys["tlink"], rendered.thumbnail, images.RENDITION_CONTENT_TYPE),
        (keys["small_link"], rendered.small, images.SMALL_CONTENT_TYPE),
    ]
    return keys, objects


@contextmanager
def _prepare_photo(file, display_name, size, stem):
    try:
        rendered = images.process(file, display_name)
    except images.RejectedImage as exc:
        yield Outcome(REJECTED, str(exc))
        return
    keys, objects = _original_and_renditions(
        stem, file, rendered.extension, rendered.content_type, rendered
    )
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
                yield Outcome(REJECTED, images.UNSTRIPPABLE_LOCATION)
                return
        else:
            location_free = rendered.location_free
        keys["location_free_link"] = f"{stem}_p.jpg"
    if location_free is not None:
        objects.append(
            (keys["location_free_link"], location_free, images.RENDITION_CONTENT_TYPE)
        )
    yield Prepared(
        fields={
            **keys,
            "content_type": rendered.content_type,
            "width": rendered.width,
            "height": rendered.height,
            "taken_at": rendered.taken_at,
            "location_free_size": (
                len(location_free) if location_free is not None else None
            ),
        },
        objects=objects,
    )


@contextmanager
def _prepare_video(file, display_name, size, stem):
    with _on_disk(file) as path:
        try:
            made = videos.process(path, size, display_name)
        except videos.RejectedVideo as exc:
            yield Outcome(REJECTED, str(exc))
            return
        try:
            checked = made.probe
            keys, objects = _original_and_renditions(
                stem, file, checked.extension, checked.content_type, made
            )
            location_free_size = None
            copies = {}  # path of a copy we made -> its key
            if made.location_free_path:
                extension = made.location_free_path.rpartition(".")[2]
                keys["location_free_link"] = f"{stem}_p.{extension}"
                copies[made.location_free_path] = keys["location_free_link"]
                location_free_size = os.path.getsize(made.location_free_path)
            if made.playback_path:
                # A remux may serve as both: one object.
                keys["playback_link"] = copies.setdefault(
                    made.playback_path, f"{stem}_v.mp4"
                )
            for copy_path, key in copies.items():
                content_type = "video/webm" if key.endswith(".webm") else "video/mp4"
                objects.append((key, copy_path, content_type))
            yield Prepared(
                fields={
                    **keys,
                    "content_type": checked.content_type,
                    "width": checked.width,
                    "height": checked.height,
                    "taken_at": checked.taken_at,
                    "duration": checked.duration,
                    "video_codec": checked.video_codec,
                    "location_free_size": location_free_size,
                },
                objects=objects,
            )
        finally:
            made.close()


@contextmanager
def _on_disk(file):
    """A path to the file's bytes on disk, for ffmpeg: its own when it has
    one, else a temporary copy."""
    temporary_file_path = getattr(file, "temporary_file_path", None)
    if temporary_file_path is not None:
        yield temporary_file_path()
        return
    name = getattr(getattr(file, "file", file), "name", None)
    if isinstance(name, str) and os.path.isfile(name):
        yield name
        return
    with tempfile.NamedTemporaryFile(prefix="partyshots-upload-") as copy:
        file.seek(0)
        shutil.copyfileobj(file, copy, 1024 * 1024)
        copy.flush()
        yield copy.name


def _save(key, content, content_type):
    if isinstance(content, str):  # a path: a copy made on disk
        with open(content, "rb") as fh:
            return storage.save(key, fh, content_type)
    if hasattr(content, "seek"):
        content.seek(0)
    return storage.save(key, content, content_type)


def _colour(prepared):
    """The colour of the photo or clip's thumbnail (its poster's), which the
    pages use when it is a cover: "#rrggbb", or ""."""
    tlink = prepared.fields.get("tlink")
    for key, content, _content_type in prepared.objects:
        if key == tlink and isinstance(content, bytes):
            return dominant_colour(content)
    return ""


def _store(album, account, guest_name, guest_key, display_name, size, sha256, prepared):
    """Write the prepared objects, then the row; an Outcome."""
    written = []
    try:
        for key, content, content_type in prepared.objects:
            written.append(_save(key, content, content_type))
    except Exception:
        logger.exception(
            "could not store photo %s for album %s", display_name, album.pk
        )
        storage.delete(written)  # no row refers to them: delete at once
        return Outcome(UNAVAILABLE, UNAVAILABLE_MESSAGE)

    now = timezone.now()
    fields = dict(prepared.fields)
    fields["taken_at"] = fields["taken_at"] or now
    fields["colour"] = _colour(prepared)
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
                    size=size,
                    created_at=now,
                    sha256=sha256,
                    **fields,
                )
                # Under the album's lock: no other upload can take the cover.
                Photo.objects.cover_first_photo(photo)
    except IntegrityError:
        storage.delete(written)
        existing = album.photos.filter(sha256=sha256).first()
        if existing:  # the same file arrived twice at once
            return Outcome(DUPLICATE, ALREADY_IN_ALBUM, existing)
        logger.exception("could not save photo %s for album %s", display_name, album.pk)
        return Outcome(UNAVAILABLE, UNAVAILABLE_MESSAGE)
    except DatabaseError:
        logger.exception("could not save photo %s for album %s", display_name, album.pk)
        storage.delete(written)
        return Outcome(UNAVAILABLE, UNAVAILABLE_MESSAGE)
    if refused is not None:
        storage.delete(written)  # no row refers to them: delete at once
        return refused
    return Outcome(ADDED, ADDED_MESSAGE, photo)
