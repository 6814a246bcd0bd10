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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from albums.codes import generate_link_token
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
    """Photos out of the trash: what every page, download, slideshow and
    quota sees (Photo.all_objects sees the trash too; photos.trash)."""

    # The cover rule, in one place: an album's cover (the seed's
    # Album.thumbnail) is one of its visible photos. The owner's choice stays
    # while it is visible; else the first visible photo in album order takes
    # its place, or none. Whatever hides, trashes or deletes photos (views,
    # the admin, the cascade when an account goes) ends in refresh_covers().

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)

    def refresh_covers(self, albums):
        """Give the albums of this queryset whose cover is gone, hidden or in
        the trash their first visible photo as cover (or none). One UPDATE,
        however many."""
        first_visible = self.filter(
            album=models.OuterRef("pk"), hidden=False
        ).in_album_order()
        return albums.filter(
            models.Q(thumbnail__isnull=True)
            | models.Q(thumbnail__hidden=True)
            | models.Q(thumbnail__deleted_at__isnull=False)
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

    def visible_in(self, album, user, guest_key="", as_host=None):
        """Photos of `album` this person may see. The hosts (Album.is_hosted_by)
        and staff see all. Everyone else sees what isn't hidden, and their
        own uploads (an account's, or the guest's whose cookie's key is
        `guest_key`, photos.guests) even when hidden; in a drop box before
        its reveal (Album.photos_hidden), only their own. `as_host=False`
        asks for what a guest sees whoever asks; the hosts' slideshow link
        passes as_host=True. Each photo's .album is `album` itself, no query
        per photo."""
        photos = album.photos.all()
        if as_host is None:
            as_host = album.is_hosted_by(user)
        if as_host:
            return photos
        own = models.Q(pk__in=[])
        if guest_key:
            own |= models.Q(user__isnull=True, guest_key=guest_key)
        if user.is_authenticated:
            own |= models.Q(user=user)
        if album.photos_hidden():
            return photos.filter(own)
        return photos.filter(models.Q(hidden=False) | own)


class Photo(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        help_text=gettext_lazy("The uploader; empty for a guest without an account."),
    )
    album = models.ForeignKey("albums.Album", models.CASCADE, related_name="photos")
    # Storage keys. link (seed): the original, byte for byte. tlink (seed):
    # the thumbnail. display_link: the large rendition the viewer shows.
    # location_free_link: the copy of the original that everyone but its
    # uploader and the album's hosts get, without location; empty when the
    # original has none.
    link = models.CharField(max_length=255, db_index=True)
    tlink = models.CharField(max_length=255, db_index=True)
    display_link = models.CharField(max_length=255, db_index=True)
    location_free_link = models.CharField(max_length=255, blank=True, db_index=True)
    location_free_size = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Bytes of the location-free copy."),
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
        null=True, blank=True, help_text=gettext_lazy("Seconds, for a video clip.")
    )
    video_codec = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    filename = models.CharField(max_length=255)
    guest_name = models.CharField(max_length=60, blank=True)
    # Who added a guest's photo (no account): a keyed hash of their browser's
    # guest cookie (photos.guests); empty for photos added with an account.
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(
        help_text=gettext_lazy("Bytes of the original.")
    )
    width = models.PositiveIntegerField(help_text=gettext_lazy("After orientation."))
    height = models.PositiveIntegerField(help_text=gettext_lazy("After orientation."))
    taken_at = models.DateTimeField(
        help_text=gettext_lazy("When it was taken (EXIF), else when it was uploaded.")
    )
    sha256 = models.CharField(max_length=64)
    hidden = models.BooleanField(
        default=False, help_text=gettext_lazy("Only the owner and the uploader see it.")
    )
    # The colour that stands for the photo ("#rrggbb", photos.images.colour),
    # picked from its thumbnail when it is added: the album page and the home
    # page's cards use a cover's as colour. Empty for photos added before it
    # existed (manage.py cover_colours fills it in for covers).
    colour = models.CharField(max_length=7, blank=True)
    # In the trash since then (photos.trash): out of every page, download,
    # slideshow and quota until restored, purged with its files after
    # TRASH_DAYS. was_cover: it was its album's cover when trashed, and is
    # again when restored if the cover is still the automatic choice.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    was_cover = models.BooleanField(default=False)
    # Trashed by a host (Album.is_hosted_by) who didn't add it: only the
    # hosts may restore it, not its uploader (a host removing a guest's
    # photo is not for the guest to undo). Cleared when restored.
    trashed_by_host = models.BooleanField(default=False)

    objects = PhotoManager()
    all_objects = models.Manager.from_queryset(PhotoQuerySet)()

    class Meta:
        base_manager_name = "all_objects"
        constraints = [
            # Out of the trash: the same file may come back while its
            # deleted copy waits there.
            models.UniqueConstraint(
                fields=["album", "sha256"],
                condition=models.Q(deleted_at__isnull=True),
                name="unique_photo_per_album",
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
        # Translators: who added a photo, for a guest who gave no name.
        return self.guest_name or _("A guest")

    @property
    def uploader_in_sentence(self):
        """uploader_name as it reads inside a sentence: "Photo by a guest"."""
        if self.user_id or self.guest_name:
            return self.uploader_name
        return pgettext("inside a sentence, as in: Photo by a guest", "a guest")

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
        # The hosts, not staff: moderators get what guests get.
        is_owner = user.is_authenticated and (
            user.pk == self.album.user_id or self.album.is_cohost(user)
        )
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
        key, content_type, _filename = self.download_for(user, guest_key)
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
        """Delete it or change its description: its uploader, the hosts, staff."""
        return self.is_uploaded_by(user, guest_key) or self.album.is_hosted_by(user)

    def is_visible_to(self, user, guest_key=""):
        """Whether this person may see it (as PhotoManager.visible_in decides)."""
        if self.album.is_hosted_by(user) or self.is_uploaded_by(user, guest_key):
            return True
        return not self.hidden and not self.album.photos_hidden()

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
        help_text=gettext_lazy("Who asked, if they were logged in."),
    )
    # Keyed hash of the address, enough to spot one client flooding requests
    # without keeping anyone's IP address.
    ip_hash = models.CharField(max_length=64, blank=True)
    dismissed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty while the request is pending."),
    )

    objects = TakedownRequestQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("take-down request")
        ordering = ["-created_at"]

    def __str__(self):
        return _("Take-down request for %(photo)s") % {"photo": self.photo}

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
        (PENDING, gettext_lazy("Waiting for its bytes")),
        (PROCESSING, gettext_lazy("Being checked")),
        (ADDED, gettext_lazy("Added")),
        (DUPLICATE, gettext_lazy("Already in the album")),
        (REJECTED, gettext_lazy("Refused")),
    ]

    album = models.ForeignKey("albums.Album", models.CASCADE, related_name="uploads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Who sends it; empty for a guest without an account."),
    )
    guest_name = models.CharField(max_length=60, blank=True)
    # The sending guest's key (photos.guests), passed on to the Photo.
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    token = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(
        help_text=gettext_lazy("Bytes, as the browser declared.")
    )
    # Where the bytes go (under incoming/), and S3's multipart upload id
    # (empty for a single PUT).
    key = models.CharField(max_length=255, unique=True)
    multipart_id = models.CharField(max_length=255, blank=True)
    part_size = models.PositiveBigIntegerField()
    parts = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=STATUSES, default=PENDING, db_index=True
    )
    # The sender's language: the worker writes `message` in it.
    language = models.CharField(max_length=10, blank=True)
    message = models.TextField(blank=True)
    photo = models.ForeignKey(
        Photo, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the browser said all bytes were sent."),
    )

    objects = UploadQuerySet.as_manager()

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def is_video(self):
        """Judged, as at the start, by the type and name the browser gave."""
        return videos.named_as_video(self.filename, self.content_type)


class GuestEmail(models.Model):
    """An address a guest left on the upload card ("Get the album link when
    it's ready"), for one email with the album's link: at the reveal of a
    drop box, else when uploads close (photos.notifications). Kept for this
    album only, never shown to the hosts, deleted once that email is sent
    (or when they unsubscribe)."""

    album = models.ForeignKey(
        "albums.Album", models.CASCADE, related_name="guest_emails"
    )
    email = models.EmailField()
    # Who left it: their guest key (photos.guests) or account, so their
    # upload card says it is noted.
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The one-click unsubscribe link's token.
    token = models.CharField(
        max_length=64, unique=True, editable=False, default=generate_link_token
    )
    # The language the guest read the album in: their email is in it.
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("guest's email")
        constraints = [
            models.UniqueConstraint(
                fields=["album", "email"], name="unique_guest_email_per_album"
            )
        ]

    def __str__(self):
        return _("A guest's email for %(album)s") % {"album": self.album}


class HostEmailOptOut(models.Model):
    """A host (owner or co-host) who unsubscribed from an album's emails of
    what is new."""

    album = models.ForeignKey("albums.Album", models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("host's email opt-out")
        constraints = [
            models.UniqueConstraint(fields=["album", "user"], name="unique_opt_out")
        ]

    def __str__(self):
        return _("%(user)s gets no emails of %(album)s") % {
            "user": self.user,
            "album": self.album,
        }


class SentEmail(models.Model):
    """An email sent, under a key that names it (whose, which album, which
    period), made before sending in its own transaction: a task that runs
    twice, or two at once, sends it once. covered_until: for a host's email
    of what is new, the upload time it covers up to, where the next starts."""

    key = models.CharField(max_length=200, unique=True)
    album = models.ForeignKey("albums.Album", models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    covered_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("sent email")
        indexes = [models.Index(fields=["album", "user", "-covered_until"])]

    def __str__(self):
        return self.key
