"""Photos and what hangs off them. The seed's names stay: Photo.link is the
original's storage key, Photo.tlink its thumbnail's; Album.thumbnail (in
albums) is the cover; a description is the Tag with key "description"."""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from albums.models import Album
from core import storage
from photos import images, videos
from photos.images import colour

# Albums whose covers to refresh at the end of a covers_refreshed_once() block.
_pending_covers = threading.local()


@contextmanager
def covers_refreshed_once():
    """Photos deleted inside this block refresh their albums' covers with one
    UPDATE at its end, not one per photo (nested blocks join the outermost)."""
    if getattr(_pending_covers, "album_ids", None) is not None:
        yield
        return
    _pending_covers.album_ids = set()
    try:
        yield
        album_ids = _pending_covers.album_ids
    finally:
        _pending_covers.album_ids = None
    if album_ids:
        Photo.objects.refresh_covers(Album.objects.filter(pk__in=album_ids))


class PhotoQuerySet(models.QuerySet):
    def in_album_order(self):
        return self.order_by("taken_at", "id")

    def delete(self):
        with covers_refreshed_once():
            return super().delete()


class PhotoManager(models.Manager.from_queryset(PhotoQuerySet)):
    # The cover rule, in one place: an album's cover (the seed's
    # Album.thumbnail) is one of its visible photos. The owner's choice stays
    # while it is visible; else the first visible photo in album order takes
    # its place, or none. Whatever hides or deletes photos (views, the admin,
    # the cascade when an account goes) ends in refresh_covers().

    def refresh_covers(self, albums):
        """Give the albums of this queryset whose cover is gone or hidden their
        first visible photo as cover (or none). One UPDATE, however many."""
        first_visible = self.filter(
            album=models.OuterRef("pk"), hidden=False
        ).in_album_order()
        return albums.filter(
            models.Q(thumbnail__isnull=True) | models.Q(thumbnail__hidden=True)
        ).update(thumbnail=models.Subquery(first_visible.values("pk")[:1]))

    def cover_first_photo(self, photo):
        """An album's first photo becomes its cover; update() so two uploads
        can't race."""
        Album.objects.filter(pk=photo.album_id, thumbnail__isnull=True).update(
            thumbnail=photo
        )

    def album_deleting(self, album_id, deleting=True):
        """Between an album's pre_delete and post_delete its photos go by
        cascade: no cover to refresh for it."""
        deleted = getattr(_pending_covers, "deleted_albums", set())
        _pending_covers.deleted_albums = (
            deleted | {album_id} if deleting else deleted - {album_id}
        )

    def photo_deleted(self, album_id):
        """A photo of the album is gone: refresh its cover now, or once at the
        end of the covers_refreshed_once() block this happens in."""
        if album_id in getattr(_pending_covers, "deleted_albums", ()):
            return  # the album goes too
        pending = getattr(_pending_covers, "album_ids", None)
        if pending is None:
            self.refresh_covers(Album.objects.filter(pk=album_id))
        else:
            pending.add(album_id)

    def visible_in(self, album, user, guest_key=""):
        """Photos of `album` this person may see: hidden ones only for the
        album owner, staff and their uploader (an account, or the guest whose
        cookie's key is `guest_key`, photos.guests). Each photo's .album is
        `album` itself, no query per photo."""
        photos = album.photos.all()
        if album.is_owned_by(user):
            return photos
        shown = models.Q(hidden=False)
        if guest_key:
            shown |= models.Q(user__isnull=True, guest_key=guest_key)
        if user.is_authenticated:
            shown |= models.Q(user=user)
        return photos.filter(shown)


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
    # Storage keys. link (seed): the original, byte for byte. tlink (seed):
    # the thumbnail. display_link: the large rendition the viewer shows.
    # location_free_link: the copy of the original that everyone but its
    # uploader and the album's owner gets, without location; empty when the
    # original has none.
    link = models.CharField(max_length=255, db_index=True)
    tlink = models.CharField(max_length=255, db_index=True)
    display_link = models.CharField(max_length=255, db_index=True)
    location_free_link = models.CharField(max_length=255, blank=True, db_index=True)
    location_free_size = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Bytes of the location-free copy."
    )
    # small_link: the grid's small rendition (photos.images.SMALL_SIZE), a
    # square of the thumbnail's middle, as the grid's square tiles show it;
    # empty for photos added before it existed, whose tile has the thumbnail
    # alone.
    small_link = models.CharField(max_length=255, blank=True, db_index=True)
    # Video clips (photos.videos): tlink and display_link are renditions of a
    # poster frame; playback_link an MP4 every browser plays, without
    # metadata, made when the original won't play as it is (empty: the
    # original, or its location-free copy, plays).
    playback_link = models.CharField(max_length=255, blank=True, db_index=True)
    duration = models.FloatField(
        null=True, blank=True, help_text="Seconds, for a video clip."
    )
    video_codec = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    filename = models.CharField(max_length=255)
    guest_name = models.CharField(max_length=60, blank=True)
    # Who added a guest's photo (no account): a keyed hash of their browser's
    # guest cookie (photos.guests); empty for photos added with an account.
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
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
    # The colour that stands for the photo ("#rrggbb", photos.images.colour),
    # picked from its thumbnail when it is added: the album page and the home
    # page's cards use a cover's as colour. Empty for photos added before it
    # existed (manage.py cover_colours fills it in for covers).
    colour = models.CharField(max_length=7, blank=True)

    objects = PhotoManager()

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
            # The name given at sign-up; older accounts have only a username.
            return self.user.first_name or self.user.get_username()
        return self.guest_name or "A guest"

    @property
    def tone(self):
        """Classes that draw in this photo's colour (static/css/site.css), or ""."""
        return colour.tone_classes(self.colour)

    @property
    def is_video(self):
        return self.content_type.startswith("video/")

    @property
    def duration_label(self):
        """A clip's length as a phone shows it: 0:07, 2:45, 1:02:03."""
        if self.duration is None:
            return ""
        minutes, seconds = divmod(max(1, round(self.duration)), 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{seconds:02d}"
        return f"{minutes}:{seconds:02d}"

    def thumbnail_url(self):
        return storage.url(self.tlink, content_type="image/jpeg")

    def small_url(self):
        return storage.url(self.small_link, content_type=images.SMALL_CONTENT_TYPE)

    # The grid tile's width in CSS px, as static/css/site.css lays the grid
    # out (main's 1rem padding, 4px gaps): 3 columns of at least 6.5rem from
    # 22rem (352 px) wide, 2 below; from 40rem columns of 10rem to 214 px.
    # The browser picks from grid_srcset() by it before any CSS has loaded.
    GRID_SIZES = (
        "(min-width: 40rem) 214px, (min-width: 22rem) calc((100vw - 40px) / 3), "
        "calc((100vw - 36px) / 2)"
    )

    def grid_srcset(self):
        """The grid tile's srcset: the small square, and the thumbnail when it
        has more pixels across the square tile, each described by those
        pixels (images.grid_widths), so a phone at up to 3 device pixels per
        CSS pixel loads the small one; "" for a photo added before there was
        one (its tile has the thumbnail alone)."""
        if not self.small_link:
            return ""
        small, thumbnail = images.grid_widths(self.width, self.height)
        srcset = f"{self.small_url()} {small}w"
        if thumbnail > small:
            srcset += f", {self.thumbnail_url()} {thumbnail}w"
        return srcset

    def display_url(self):
        return storage.url(self.display_link, content_type="image/jpeg")

    def viewer_url(self):
        return reverse("photo", args=[self.album.code, self.pk])

    def download_for(self, user, guest_key=""):
        """(key, content type, filename) of the original as this person may have it:
        without location unless they uploaded it, own the album, or the album keeps location."""
        is_owner = user.is_authenticated and user.pk == self.album.user_id
        if (
            not self.location_free_link
            or self.album.keep_location
            or is_owner
            or self.is_uploaded_by(user, guest_key)
        ):
            return self.link, self.content_type, self.filename
        content_type = self.location_free_content_type
        filename = self.filename
        if self.content_type != content_type:
            extension = content_type.rpartition("/")[2].replace("jpeg", "jpg")
            filename = filename.rsplit(".", 1)[0] + "." + extension
        return self.location_free_link, content_type, filename

    @property
    def is_heic(self):
        return self.content_type in ("image/heic", "image/heif")

    def jpeg_download(self):
        """(key, content type, filename) of the display rendition, a 2048 px
        JPEG without metadata (fine for everyone): a HEIC original as phone
        galleries and share targets take it, named <stem>.jpg."""
        stem = self.filename.rsplit(".", 1)[0]
        return self.display_link, "image/jpeg", f"{stem}.jpg"

    def save_for(self, user, guest_key=""):
        """(key, content type, filename) to save on a phone (album.js's "Save
        to your phone"): what this person may download, but a HEIC photo as
        its JPEG rendition."""
        if self.is_heic and not self.is_video:
            return self.jpeg_download()
        return self.download_for(user, guest_key)

    @property
    def location_free_content_type(self):
        # A photo's copy is a JPEG; a clip's is a remux: WebM stays WebM,
        # MP4 and QuickTime become MP4 (photos.videos).
        if not self.is_video:
            return images.RENDITION_CONTENT_TYPE
        return "video/webm" if self.content_type == "video/webm" else "video/mp4"

    def playback_for(self, user, guest_key=""):
        """(key, content type) of what this person's browser plays: the
        playback copy when there is one, else what they may download."""
        if self.playback_link:
            return self.playback_link, "video/mp4"
        key, content_type, _ = self.download_for(user, guest_key)
        return key, content_type

    def playback_url_for(self, user, guest_key=""):
        key, content_type = self.playback_for(user, guest_key)
        return storage.url(key, content_type=content_type)

    def download_size_for(self, user, guest_key=""):
        key = self.download_for(user, guest_key)[0]
        return self.size if key == self.link else self.location_free_size

    def is_uploaded_by(self, user, guest_key=""):
        """Whether `user` (an account), or the guest whose cookie's key is
        `guest_key` (photos.guests), added this photo."""
        if self.user_id:
            return user.is_authenticated and user.pk == self.user_id
        return bool(guest_key) and constant_time_compare(self.guest_key, guest_key)

    def can_edit(self, user, guest_key=""):
        """Delete it or change its description: its uploader, the album owner, staff."""
        return self.is_uploaded_by(user, guest_key) or self.album.is_owned_by(user)

    def is_visible_to(self, user, guest_key=""):
        """Whether this person may see it (as PhotoManager.visible_in decides)."""
        return (
            not self.hidden
            or self.album.is_owned_by(user)
            or self.is_uploaded_by(user, guest_key)
        )

    @property
    def storage_keys(self):
        keys = (
            self.link,
            self.tlink,
            self.small_link,
            self.display_link,
            self.location_free_link,
            self.playback_link,
        )
        return list(dict.fromkeys(key for key in keys if key))

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


class UploadQuerySet(models.QuerySet):
    def in_flight(self):
        """Announced or sent but not yet checked: they count against quotas."""
        return self.filter(status__in=[Upload.PENDING, Upload.PROCESSING])


class Upload(models.Model):
    """A file on its way into an album, sent by the browser straight to
    storage (photos.uploads): announced (pending), sent and checked by a
    worker (processing), then added, duplicate or rejected with a message,
    which the page shows on the file's row. `token` is the browser's handle
    for it: long and random, so nobody else can sign, finish or read it."""

    PENDING = "pending"
    PROCESSING = "processing"
    ADDED = "added"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    STATUSES = [
        (PENDING, "Waiting for its bytes"),
        (PROCESSING, "Being checked"),
        (ADDED, "Added"),
        (DUPLICATE, "Already in the album"),
        (REJECTED, "Refused"),
    ]

    album = models.ForeignKey("albums.Album", models.CASCADE, related_name="uploads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who sends it; empty for a guest without an account.",
    )
    guest_name = models.CharField(max_length=60, blank=True)
    # The sending guest's key (photos.guests), passed on to the Photo.
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    token = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(help_text="Bytes, as the browser declared.")
    # Where the bytes go (under incoming/), and S3's multipart upload id
    # (empty for a single PUT).
    key = models.CharField(max_length=255, unique=True)
    multipart_id = models.CharField(max_length=255, blank=True)
    part_size = models.PositiveBigIntegerField()
    parts = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=STATUSES, default=PENDING, db_index=True
    )
    message = models.TextField(blank=True)
    photo = models.ForeignKey(
        Photo, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When the browser said all bytes were sent."
    )

    objects = UploadQuerySet.as_manager()

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def is_video(self):
        """Judged, as at the start, by the type and name the browser gave."""
        return videos.named_as_video(self.filename, self.content_type)
