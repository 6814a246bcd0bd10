"""Uploads straight to storage: the browser announces a file, sends its bytes
to the bucket with signed URLs (one PUT, or S3 multipart in parts), says when
it is done, and a worker checks it through photos.ingest like any other file.

    start()   checks everything that can be checked before a byte moves
    sign()    a signed URL for one part (bound to key, part, size, minutes)
    finish()  assembles the parts, checks the stored size, enqueues process()
    process() the worker's half: ingest, then the Upload's final status

The web tier never holds the bytes, so a crowd of phones on slow Wi-Fi costs
it nothing; without a bucket the same protocol goes to the local signed
storage through Django (core.views.upload_part).
"""

import logging
import math
import secrets
import tempfile
import uuid

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.db import InterfaceError, OperationalError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import storage
from photos import images, ingest, videos
from photos.models import Upload

logger = logging.getLogger(__name__)

SIGNED_URL_SECONDS = 10 * 60
INCOMING = "incoming/"


class Refused(Exception):
    """An upload that may not start or go on; `status` is the HTTP answer."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message, self.status = message, status


# Names phones give photos; some send HEIC as application/octet-stream.
PHOTO_EXTENSIONS = {*images.EXTENSIONS.values(), "jpeg", "heif", "tiff"}
PHOTO, VIDEO = "photo", "video"


def kind_of(content_type, filename):
    """PHOTO or VIDEO, or None if the kind is not one PartyShots takes
    (judged by its type, else by its name)."""
    extension = filename.rpartition(".")[2].lower()
    if content_type.startswith("image/") or extension in PHOTO_EXTENSIONS:
        return PHOTO
    if videos.named_as_video(filename, content_type):
        return VIDEO
    return None


def _album_totals(album):
    """Photos and bytes in the album, counting uploads still on their way."""
    photos = album.photos.aggregate(count=models.Count("id"), size=models.Sum("size"))
    pending = album.uploads.in_flight().aggregate(
        count=models.Count("id"), size=models.Sum("size")
    )
    return (
        photos["count"] + pending["count"],
        (photos["size"] or 0) + (pending["size"] or 0),
    )


def start(album, *, user, guest_name, guest_key="", filename, size, content_type):
    """Record a pending upload of `size` bytes after every check that needs
    no bytes; returns the Upload. Raises Refused."""
    name = ingest.clean_filename(filename)
    if refusal := album.upload_refusal(user):
        raise Refused(refusal, 403)
    content_type = (content_type or "application/octet-stream").strip()[:100]
    kind = kind_of(content_type, name)
    if kind is None:
        raise Refused(f"{name}: {images.not_taken_message(filename=name)}")
    if not isinstance(size, int) or size <= 0:
        raise Refused(f"{name}: {images.EMPTY}")
    if too_large := ingest.size_refusal(size, kind == VIDEO):
        raise Refused(f"{name}: {too_large}", 413)
    with transaction.atomic():
        # Under the album's row lock, so uploads starting together can't all
        # fit into the last free place.
        type(album).objects.select_for_update().filter(pk=album.pk).first()
        count, total = _album_totals(album)
        if count >= settings.ALBUM_MAX_PHOTOS:
            raise Refused(ingest.album_full_message(), 403)
        if total + size > settings.ALBUM_MAX_BYTES:
            raise Refused(ingest.album_bytes_full_message(), 413)
        guest_key = "" if user.is_authenticated else guest_key
        if guest_key and _guest_count(guest_key) >= settings.GUEST_SESSION_MAX_PHOTOS:
            raise Refused(
                ingest.GUEST_QUOTA_REACHED
                % {"count": settings.GUEST_SESSION_MAX_PHOTOS},
                403,
            )
        # 8 MiB parts (UPLOAD_PART_BYTES) keep a photo to one or two, and a
        # resumed upload sends at most one part's bytes again.
        part_bytes = settings.UPLOAD_PART_BYTES
        parts = max(1, math.ceil(size / part_bytes))
        key = f"{INCOMING}{album.pk}/{uuid.uuid4().hex}"
        multipart_id = storage.start_upload(key, content_type, parts)
        return Upload.objects.create(
            album=album,
            user=user if user.is_authenticated else None,
            guest_name="" if user.is_authenticated else guest_name[:60],
            guest_key=guest_key,
            token=secrets.token_urlsafe(24),
            filename=name,
            content_type=content_type,
            size=size,
            key=key,
            multipart_id=multipart_id,
            part_size=part_bytes,
            parts=parts,
            # The language of this request: the worker's message is in it.
            language=translation.get_language() or "",
        )


def _guest_count(guest_key):
    """Photos a guest added, and their uploads still on the way."""
    added = ingest.guest_photo_count(guest_key)
    return added + Upload.objects.in_flight().filter(guest_key=guest_key).count()


def part_size(upload, number):
    """How many bytes part `number` (1-based) holds."""
    if number < upload.parts:
        return upload.part_size
    return upload.size - upload.part_size * (upload.parts - 1)


def sign(upload, number):
    """A signed URL for part `number`; Refused for a finished upload or a
    part outside it."""
    if upload.status != Upload.PENDING:
        raise Refused(_("This upload is finished already."), 409)
    if not 1 <= number <= upload.parts:
        raise Refused(
            _("This upload has parts 1 to %(count)s.") % {"count": upload.parts}
        )
    return storage.sign_upload_part(
        upload.key,
        upload.multipart_id,
        number,
        part_size(upload, number),
        upload.content_type,
        SIGNED_URL_SECONDS,
    )


def sent_parts(upload):
    """The parts storage has already, so a resumed upload sends only the rest."""
    if upload.status != Upload.PENDING:
        return []
    return storage.upload_parts(upload.key, upload.multipart_id)


def reject(upload, message):
    """End an upload refused after its bytes arrived; the object goes once
    this commits."""
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.REJECTED, message=f"{upload.filename}: {message}"
    )
    storage.delete_on_commit([upload.key])
    if upload.multipart_id:
        transaction.on_commit(lambda: _abort_quietly(upload.key, upload.multipart_id))


def _abort_quietly(key, multipart_id):
    try:
        storage.abort_upload(key, multipart_id)
    except Exception:
        logger.warning("could not abort upload %s; reconcile_storage will", key)


def finish(upload):
    """The browser has sent every part: assemble them, check the stored size
    against the declared one, and hand the file to a worker. Returns the
    upload, now processing (or rejected)."""
    if upload.status != Upload.PENDING:
        raise Refused(_("This upload is finished already."), 409)
    if upload.multipart_id:
        parts = storage.upload_parts(upload.key, upload.multipart_id)
        numbers = [part["number"] for part in parts]
        if numbers != list(range(1, upload.parts + 1)):
            missing = sorted(set(range(1, upload.parts + 1)) - set(numbers))
            raise Refused(
                # Translators: %(parts)s is a list of numbers, e.g. "[2, 5]".
                _("Parts %(parts)s have not arrived yet.") % {"parts": missing},
                409,
            )
        storage.finish_upload(upload.key, upload.multipart_id, parts)
    try:
        stored = storage.size(upload.key)
    except FileNotFoundError:
        raise Refused(_("The file has not arrived yet."), 409) from None
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != Upload.PENDING:
            raise Refused(_("This upload is finished already."), 409)
        if stored != upload.size:
            reject(
                upload,
                ngettext(
                    "This file didn't arrive as it was sent, so it wasn't added "
                    "(%(count)s byte arrived, not %(size)s). Please try again.",
                    "This file didn't arrive as it was sent, so it wasn't added "
                    "(%(count)s bytes arrived, not %(size)s). Please try again.",
                    stored,
                )
                % {"count": stored, "size": upload.size},
            )
        else:
            locked.status = Upload.PROCESSING
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "finished_at"])
            upload_id = locked.pk
            # Clips go to a queue of their own, so one long transcode never
            # holds up the photos behind it (settings.CELERY_TASK_ROUTES).
            task = process_video if upload.is_video else process_upload
            transaction.on_commit(lambda: task.delay(upload_id))
    upload.refresh_from_db()
    return upload


class StorageFailed(Exception):
    """Storage failed while a worker processed an upload: try again later."""


RETRIED = {
    # Storage or the database away: try again later, backing off.
    "autoretry_for": (StorageFailed, OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
}


@shared_task(name="photos.tasks.process_upload", **RETRIED)
def process_upload(upload_id):
    """The worker's half for a photo: see process()."""
    return process(upload_id)


@shared_task(
    name="photos.tasks.process_video",
    soft_time_limit=settings.VIDEO_TASK_SECONDS + 30,
    time_limit=settings.VIDEO_TASK_SECONDS + 60,
    **RETRIED,
)
def process_video(upload_id):
    """The worker's half for a clip (the video queue): see process()."""
    return process(upload_id)


def _spool_for(upload):
    # A clip goes to disk for ffmpeg; a photo stays in memory up to 8 MB.
    if upload.is_video:
        return tempfile.NamedTemporaryFile(prefix="partyshots-upload-")
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


def process(upload_id):
    """Read the stored file, run it through ingest (every check and
    rendition a photo or a clip gets), and record the outcome on the Upload.
    Idempotent: it works under the Upload's row lock and only on a processing
    upload, so a task run twice (a worker killed after the work, before the
    acknowledgement) adds one photo; a worker killed mid-way rolls back, and
    the task runs again."""
    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update(of=("self",))
            .select_related("album", "user")
            .filter(pk=upload_id, status=Upload.PROCESSING)
            .first()
        )
        if upload is None:  # done already, or gone with its album
            return None
        # Its messages are in the sender's language (Upload.language).
        with translation.override(upload.language or settings.LANGUAGE_CODE):
            return _ingest(upload)


def _ingest(upload):
    """process()'s work on the Upload, locked and processing: ingest the
    stored file and record the outcome. Returns the Upload's status."""
    with _spool_for(upload) as fh:
        try:
            for chunk in storage.iter_object(upload.key):
                fh.write(chunk)
            fh.flush()
        except FileNotFoundError:
            reject(
                upload,
                _(
                    "This file got lost on the way, so it wasn't added (it was "
                    "not found in storage). Please try again."
                ),
            )
            return Upload.REJECTED
        except Exception as exc:
            logger.exception("could not read upload %s", upload.key)
            raise StorageFailed(upload.key) from exc
        file = File(fh, name=upload.filename)
        file.size = fh.tell()
        outcome = ingest.add(
            upload.album,
            file,
            user=upload.user,
            guest_name=upload.guest_name,
            guest_key=upload.guest_key,
            filename=upload.filename,
        )
    if outcome.status == ingest.UNAVAILABLE:
        raise StorageFailed(upload.key)
    upload.status = outcome.status
    upload.message = (
        f"{upload.filename}: {outcome.message}"
        if outcome.status == ingest.REJECTED
        else outcome.message
    )
    upload.photo = outcome.photo
    upload.save(update_fields=["status", "message", "photo"])
    # ingest stored the original under the album; the sent copy goes.
    storage.delete_on_commit([upload.key])
    return upload.status
