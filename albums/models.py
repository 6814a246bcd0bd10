from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from albums.codes import format_code, generate_code, generate_link_token


class AlbumQuerySet(models.QuerySet):
    def with_stats(self):
        """Annotate photo_count and last_activity (newest upload, else creation)."""
        return self.annotate(
            photo_count=models.Count("photos", distinct=True),
            last_upload=models.Max("photos__created_at"),
        ).annotate(last_activity=models.functions.Coalesce("last_upload", "created_at"))

    def lock_for_delete(self):
        """Lock these albums' rows (FOR UPDATE, in id order) until the
        transaction ends, before anything of them is deleted. An upload holds
        FOR NO KEY UPDATE on its album's row while it adds a photo
        (photos.ingest), which conflicts: a delete waits for the upload and
        takes its photo along, and an upload waits for the delete and finds
        no album, instead of the delete failing on the new photo's foreign
        key. Returns their ids. (SQLite has no row locks, and needs none.)"""
        return list(
            self.order_by("pk").select_for_update().values_list("pk", flat=True)
        )

    def delete(self):
        """Delete these albums (their photos by cascade), rows locked first."""
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            Album.objects.using(self.db).filter(pk__in=pks).lock_for_delete()
            return super().delete()


class Album(models.Model):
    # code: what guests type (albums.codes); link_token: what the album's link
    # and QR code carry, too long to guess (no lookup limit). thumbnail
    # (seed's name): the cover, one of the album's visible photos (the cover
    # rule is photos.models.PhotoManager.refresh_covers).
    code = models.CharField(max_length=16, unique=True, editable=False)
    link_token = models.CharField(
        max_length=64, unique=True, editable=False, default=generate_link_token
    )
    name = models.CharField(max_length=100)
    # Who the album says it is "Hosted by": a name the host chooses (their
    # display name from sign-up at first), never the username; blank shows none.
    host_name = models.CharField(max_length=60, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="albums"
    )
    created_at = models.DateTimeField(default=timezone.now)
    thumbnail = models.ForeignKey(
        "photos.Photo",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The album's cover.",
    )
    uploads_open = models.BooleanField(
        default=True, help_text="Anyone with the code may add photos."
    )
    guest_uploads = models.BooleanField(
        default=True, help_text="People without an account may add photos."
    )
    keep_location = models.BooleanField(
        default=False,
        help_text="Everyone may download originals with their GPS location.",
    )

    objects = AlbumQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.display_code})"

    def save(self, *args, **kwargs):
        if not self.code:
            self.code = self.unused_code()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("album", args=[self.code])

    @property
    def display_code(self):
        return format_code(self.code)

    @staticmethod
    def unused_code():
        while True:
            code = generate_code()
            if not Album.objects.filter(code=code).exists():
                return code

    def get_link_url(self):
        """The path of the album's link and QR code (see albums.codes)."""
        return reverse("album_by_link", args=[self.link_token])

    def new_code(self):
        """Give the album a fresh code and link: the old code, links and QR
        codes stop working."""
        self.code = self.unused_code()
        self.link_token = generate_link_token()
        self.save(update_fields=["code", "link_token"])

    def delete(self, *args, **kwargs):
        """Delete the album and its photos, its row locked first
        (AlbumQuerySet.lock_for_delete: never beside an upload adding to it)."""
        with transaction.atomic():
            Album.objects.filter(pk=self.pk).lock_for_delete()
            return super().delete(*args, **kwargs)

    def is_owned_by(self, user):
        return user.is_authenticated and (user.pk == self.user_id or user.is_staff)

    def _merge_duplicates(self, other):
        """`other`'s photos already here (the same file, by sha256)."""
        return other.photos.filter(sha256__in=self.photos.values("sha256"))

    def _merge_followers(self, other):
        """`other`'s followers who would be new here (not already following,
        not this album's owner)."""
        return other.subs.exclude(user__in=self.subs.values("user")).exclude(
            user_id=self.user_id
        )

    def merge_preview(self, other):
        """What merge(other) would do if it ran now, for the page that asks
        first: how many photos and videos move, how many are dropped as
        already here, how many of its followers come to follow this album
        and how many already do, and whether its cover becomes this
        album's."""
        video = models.Q(content_type__startswith="video/")
        moving = other.photos.exclude(sha256__in=self.photos.values("sha256"))
        counts = moving.aggregate(
            photos=models.Count("pk", filter=~video),
            videos=models.Count("pk", filter=video),
        )
        followers = self._merge_followers(other).count()
        followers_total = other.subs.count()
        return {
            **counts,
            "dropped": self._merge_duplicates(other).count(),
            "followers": followers,
            "followers_total": followers_total,
            "followers_already": followers_total - followers,
            "takes_cover": self.thumbnail_id is None and other.thumbnail_id is not None,
        }

    @transaction.atomic
    def merge(self, other):
        """Move `other`'s photos and videos and its followers into this album
        and delete `other`.

        Photos already here (same sha256) are dropped: their rows are deleted,
        and with them their storage objects once the transaction commits.
        Returns (photos moved, duplicates dropped, followers added)."""
        # Lock both rows so two merges of the same albums can't interleave.
        list(Album.objects.select_for_update().filter(pk__in=[self.pk, other.pk]))
        duplicates = self._merge_duplicates(other)
        dropped = duplicates.count()
        duplicates.delete()
        moved = other.photos.update(album=self)
        followers_added = self._merge_followers(other).update(album=self)
        if self.thumbnail_id is None and other.thumbnail_id is not None:
            self.thumbnail_id = (
                Album.objects.filter(pk=other.pk)
                .values_list("thumbnail", flat=True)
                .get()
            )
            self.save(update_fields=["thumbnail"])
        other.delete()
        return moved, dropped, followers_added

    def upload_refusal(self, user):
        """Why `user` may not upload here, or None if they may."""
        if not self.uploads_open:
            return "This album is locked: the host has closed uploads."
        if not self.guest_uploads and not user.is_authenticated:
            return "Log in to upload photos to this album."
        return None


class Subs(models.Model):
    """An album a user follows."""

    album = models.ForeignKey(Album, models.CASCADE, related_name="subs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="subs"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "follow"
        constraints = [
            models.UniqueConstraint(fields=["album", "user"], name="unique_follow")
        ]

    def __str__(self):
        return f"{self.user} follows {self.album}"
