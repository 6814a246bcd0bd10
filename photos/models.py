import hashlib
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from photos import storage, thumbnails
from photos.storage import StorageUnavailable

logger = logging.getLogger(__name__)

FILENAME_MAX_LENGTH = 200


@dataclass
class AddResult:
    status: str  # "added", "duplicate", "rejected" or "unavailable"
    message: str
    photo: "Photo | None" = None
    # A rejection for something other than the file itself (a full album: 403/413).
    refusal_status: int | None = None

    @property
    def http_status(self):
        if self.refusal_status:
            return self.refusal_status
        return {"added": 201, "duplicate": 200, "rejected": 400, "unavailable": 503}[
            self.status
        ]


def clean_filename(name, default_extension="jpg"):
    """The base name only, without path separators or control characters, length capped."""
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
    # Together, so that cleaning a clean name changes nothing ("0 ." -> "0", not "0 ").
    return re.sub(r"^[\s.]+|[\s.]+$", "", name)


def _gigabytes(size):
    return f"{size / 1024**3:.0f}" if size % 1024**3 == 0 else f"{size / 1024**3:.1f}"


def _megabytes(size):
    return (
        f"{size / 1024 / 1024:.0f}"
        if size >= 10 * 1024 * 1024
        else f"{size / 1024 / 1024:.1f}"
    )


class PhotoQuerySet(models.QuerySet):
    def visible_to(self, user, album, session_photo_ids=()):
        """Photos of `album` this person may see: hidden ones only for the album
        owner, staff and their uploader (an account, or a guest's session)."""
        photos = self.filter(album=album)
        if album.is_owned_by(user):
            return photos
        shown = models.Q(hidden=False) | models.Q(pk__in=list(session_photo_ids))
        if user.is_authenticated:
            shown |= models.Q(user=user)
        return photos.filter(shown)

    def in_album_order(self):
        return self.order_by("taken_at", "id")

    def _album_quota_refusal(self, album, size):
        """A rejection if one more photo of `size` bytes takes `album` past
        ALBUM_MAX_PHOTOS or ALBUM_MAX_BYTES, else None. Uploads racing in at
        the same moment may each pass: a quota, not an exact ceiling."""
        totals = self.filter(album=album).aggregate(
            count=models.Count("id"), size=models.Sum("size")
        )
        if totals["count"] >= settings.ALBUM_MAX_PHOTOS:
            return AddResult(
                "rejected",
                f"This album is full: {settings.ALBUM_MAX_PHOTOS} photos is the limit.",
                refusal_status=403,
            )
        if (totals["size"] or 0) + size > settings.ALBUM_MAX_BYTES:
            return AddResult(
                "rejected",
                f"This album is full: {_gigabytes(settings.ALBUM_MAX_BYTES)} GB of photos is the limit.",
                refusal_status=413,
            )
        return None

    def add(self, album, file, *, user=None, guest_name="", filename=None):
        """Check one uploaded file and store it in `album` through the whole pipeline.

        The upload view and the import_photos command both come here. Returns an
        AddResult; never raises for a bad file. Raises StorageUnavailable when
        storage or the database fails (whatever was written is removed first)."""
        display_name = clean_filename(filename or getattr(file, "name", ""))
        size = getattr(file, "size", None)
        if size is not None and size > settings.PHOTO_MAX_BYTES:
            return AddResult(
                "rejected",
                f"file is {_megabytes(size)} MB; the limit is {settings.PHOTO_MAX_BYTES // 1024 // 1024} MB",
            )
        if not size:
            return AddResult("rejected", "file is empty")

        digest = hashlib.sha256()
        file.seek(0)
        for chunk in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(chunk)
        sha256 = digest.hexdigest()
        existing = self.filter(album=album, sha256=sha256).first()
        if existing:
            return AddResult("duplicate", "already in the album", existing)
        if full := self._album_quota_refusal(album, size):
            return full

        try:
            rendered = thumbnails.process(file, display_name)
        except thumbnails.RejectedImage as exc:
            return AddResult("rejected", str(exc))

        stem = f"albums/{album.pk}/{uuid.uuid4().hex}"
        keys = {
            "link": f"{stem}.{rendered.extension}",
            "tlink": f"{stem}_t.jpg",
            "dlink": f"{stem}_d.jpg",
        }
        private = None
        if rendered.has_location:
            if rendered.format == "JPEG":
                file.seek(0)
                try:
                    private = thumbnails.jpeg_without_metadata(
                        file.read(), rendered.orientation
                    )
                except (ValueError, IndexError):
                    # Decoders skip what they can't parse; stripping the location
                    # can't, and a copy that might keep it is never made.
                    return AddResult("rejected", thumbnails.UNSTRIPPABLE_LOCATION)
            else:
                private = rendered.private
            keys["plink"] = f"{stem}_p.jpg"
        written = []
        try:
            file.seek(0)
            written.append(storage.save(keys["link"], file, rendered.content_type))
            written.append(
                storage.save(
                    keys["dlink"], rendered.display, thumbnails.RENDITION_CONTENT_TYPE
                )
            )
            written.append(
                storage.save(
                    keys["tlink"], rendered.thumbnail, thumbnails.RENDITION_CONTENT_TYPE
                )
            )
            if private is not None:
                written.append(
                    storage.save(
                        keys["plink"], private, thumbnails.RENDITION_CONTENT_TYPE
                    )
                )
        except Exception:
            logger.exception(
                "could not store photo %s for album %s", display_name, album.pk
            )
            storage.delete(written)  # no row refers to them: delete at once
            raise StorageUnavailable

        now = timezone.now()
        try:
            with transaction.atomic():
                photo = self.create(
                    album=album,
                    user=user if user and user.is_authenticated else None,
                    guest_name=""
                    if user and user.is_authenticated
                    else guest_name[:60],
                    filename=display_name,
                    content_type=rendered.content_type,
                    size=size,
                    width=rendered.width,
                    height=rendered.height,
                    taken_at=rendered.taken_at or now,
                    created_at=now,
                    sha256=sha256,
                    plink_size=len(private) if private is not None else None,
                    **keys,
                )
        except IntegrityError:
            storage.delete(written)
            existing = self.filter(album=album, sha256=sha256).first()
            if existing:  # the same file arrived twice at once
                return AddResult("duplicate", "already in the album", existing)
            logger.exception(
                "could not save photo %s for album %s", display_name, album.pk
            )
            raise StorageUnavailable
        except DatabaseError:
            logger.exception(
                "could not save photo %s for album %s", display_name, album.pk
            )
            storage.delete(written)
            raise StorageUnavailable
        # The first photo becomes the cover; update() so two uploads can't race.
        type(album).objects.filter(pk=album.pk, thumbnail__isnull=True).update(
            thumbnail=photo
        )
        return AddResult("added", "added", photo)


class Photo(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        help_text="The uploader; empty for a guest without an account.",
    )
    album = models.ForeignKey("albums.Album", models.CASCADE, related_name="photos")
    # Storage keys. link: the original, byte for byte. tlink: thumbnail.
    # dlink: display rendition. plink: the original as shown to people other
    # than the uploader and the owner, without location; empty when the
    # original has none.
    link = models.CharField(max_length=255, db_index=True)
    tlink = models.CharField(max_length=255, db_index=True)
    dlink = models.CharField(max_length=255, db_index=True)
    plink = models.CharField(max_length=255, blank=True, db_index=True)
    plink_size = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Bytes of the plink object."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    filename = models.CharField(max_length=255)
    guest_name = models.CharField(max_length=60, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(help_text="Bytes of the original.")
    width = models.PositiveIntegerField(help_text="After orientation.")
    height = models.PositiveIntegerField(help_text="After orientation.")
    taken_at = models.DateTimeField(
        help_text="When it was taken (EXIF), else when it was uploaded."
    )
    sha256 = models.CharField(max_length=64)
    hidden = models.BooleanField(
        default=False, help_text="Only the owner and the uploader see it."
    )

    objects = PhotoQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["album", "sha256"], name="unique_photo_per_album"
            )
        ]
        indexes = [
            models.Index(fields=["album", "taken_at", "id"], name="photo_album_taken"),
            models.Index(
                fields=["album", "created_at", "id"], name="photo_album_uploaded"
            ),
        ]

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("photo", args=[self.album.code, self.pk])

    @property
    def uploader_name(self):
        if self.user_id:
            return self.user.get_username()
        return self.guest_name or "A guest"

    def thumbnail_url(self):
        return storage.url(self.tlink, content_type="image/jpeg")

    def display_url(self):
        return storage.url(self.dlink, content_type="image/jpeg")

    def viewer_url(self):
        return reverse("photo", args=[self.album.code, self.pk])

    def download_for(self, user, session_photo_ids=()):
        """(key, content type, filename) of the original as this person may have it:
        without location unless they uploaded it, own the album, or the album keeps location."""
        is_owner = user.is_authenticated and user.pk == self.album.user_id
        if (
            not self.plink
            or self.album.keep_location
            or is_owner
            or self.is_uploaded_by(user, session_photo_ids)
        ):
            return self.link, self.content_type, self.filename
        filename = self.filename
        if self.content_type != thumbnails.RENDITION_CONTENT_TYPE:
            filename = filename.rsplit(".", 1)[0] + ".jpg"
        return self.plink, thumbnails.RENDITION_CONTENT_TYPE, filename

    def download_size_for(self, user, session_photo_ids=()):
        key = self.download_for(user, session_photo_ids)[0]
        return self.size if key == self.link else self.plink_size

    def is_uploaded_by(self, user, session_photo_ids=()):
        if self.user_id:
            return user.is_authenticated and user.pk == self.user_id
        return self.pk in session_photo_ids

    def can_edit(self, user, session_photo_ids=()):
        """Delete it or change its description: its uploader, the album owner, staff."""
        return self.is_uploaded_by(user, session_photo_ids) or self.album.is_owned_by(
            user
        )

    @property
    def storage_keys(self):
        return [key for key in (self.link, self.tlink, self.dlink, self.plink) if key]

    @property
    def description(self):
        for tag in self.tags.all():
            if tag.key == Tag.DESCRIPTION:
                return tag.value
        return ""


class Tag(models.Model):
    DESCRIPTION = "description"

    photo = models.ForeignKey(Photo, models.CASCADE, related_name="tags")
    key = models.CharField(max_length=50)
    value = models.TextField(max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "key"], name="unique_tag_per_photo"
            )
        ]

    def __str__(self):
        return f"{self.key}={self.value[:40]}"


class TakedownRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(dismissed_at__isnull=True)


class TakedownRequest(models.Model):
    """Someone who can see a photo asks the album's host to remove it ("this is me")."""

    REASON_MAX_LENGTH = 500

    photo = models.ForeignKey(Photo, models.CASCADE, related_name="takedown_requests")
    reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who asked, if they were logged in.",
    )
    # Keyed hash of the address, enough to spot one client flooding requests
    # without keeping anyone's IP address.
    ip_hash = models.CharField(max_length=64, blank=True)
    dismissed_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while the request is pending."
    )

    objects = TakedownRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "take-down request"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Take-down request for {self.photo}"

    @property
    def is_pending(self):
        return self.dismissed_at is None
