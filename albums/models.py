from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from albums import times
from albums.codes import format_code, generate_code, generate_link_token


def default_time_zone():
    return settings.TIME_ZONE


def default_language():
    return settings.LANGUAGE_CODE


class AlbumQuerySet(models.QuerySet):
    def hosted_by(self, user):
        """Albums `user` owns or co-hosts."""
        return self.filter(
            models.Q(user=user) | models.Q(cohosts__user=user)
        ).distinct()

    def with_stats(self):
        """Annotate photo_count and last_activity (newest upload, else creation)."""
        # Through the relation, not Photo.objects: the trash is filtered here.
        live = models.Q(photos__deleted_at__isnull=True)
        return self.annotate(
            photo_count=models.Count("photos", distinct=True, filter=live),
            last_upload=models.Max("photos__created_at", filter=live),
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
            Album.all_objects.using(self.db).filter(pk__in=pks).lock_for_delete()
            return super().delete()


class AlbumManager(models.Manager.from_queryset(AlbumQuerySet)):
    """Albums out of the trash: what every page, list and lookup sees. A
    trashed album's code opens nothing, as if it were deleted, until its
    owner restores it (Album.all_objects sees the trash; photos.trash)."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Album(models.Model):
    SEE_ALL = "all"
    DROP_BOX = "dropbox"
    MODES = [
        (SEE_ALL, gettext_lazy("Everyone with the code sees all photos")),
        (
            DROP_BOX,
            gettext_lazy("Guests only add; the photos stay hidden until the reveal"),
        ),
    ]
    NOTIFY_OFF = "off"
    NOTIFY_HOURLY = "hourly"
    NOTIFY_DAILY = "daily"
    NOTIFY_CHOICES = [
        # Translators: how often the hosts get emails about new photos.
        (NOTIFY_OFF, pgettext_lazy("emails", "Off")),
        (NOTIFY_HOURLY, gettext_lazy("At most one email an hour")),
        (NOTIFY_DAILY, gettext_lazy("At most one email a day")),
    ]

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
        help_text=gettext_lazy("The album's cover."),
    )
    uploads_open = models.BooleanField(
        default=True, help_text=gettext_lazy("Anyone with the code may add photos.")
    )
    guest_uploads = models.BooleanField(
        default=True,
        help_text=gettext_lazy("People without an account may add photos."),
    )
    keep_location = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Everyone may download originals with their GPS location."
        ),
    )
    # Who sees what: everyone everything (SEE_ALL), or, in a drop box, each
    # guest only their own uploads until reveal_at (the hosts see all).
    mode = models.CharField(max_length=10, choices=MODES, default=SEE_ALL)
    reveal_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "Drop box: when everyone with the code sees all photos."
        ),
    )
    # The hosts' slideshow link (photos.views.slideshow with ?key=): shows all
    # photos on a screen nobody logs in on, before a drop box's reveal too.
    slideshow_token = models.CharField(
        max_length=64, unique=True, editable=False, default=generate_link_token
    )
    # Dates the hosts set (the reveal, the upload window) are in this zone.
    time_zone = models.CharField(max_length=64, default=default_time_zone)
    uploads_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Uploads open at this time (empty: now)."),
    )
    uploads_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "Uploads close at this time (empty: while uploads are open)."
        ),
    )
    notify = models.CharField(
        max_length=10,
        choices=NOTIFY_CHOICES,
        default=NOTIFY_DAILY,
        help_text=gettext_lazy("How often the hosts get an email of what is new."),
    )
    # What the album's pages speak to whoever asked for no language we ship
    # (core.languages): one of settings.LANGUAGES.
    language = models.CharField(max_length=10, default=default_language)
    # In the trash since then (photos.trash): out of every page until its
    # owner restores it, purged with its files after TRASH_DAYS.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = AlbumManager()
    all_objects = AlbumQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        base_manager_name = "all_objects"

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
            if not Album.all_objects.filter(code=code).exists():
                return code

    def get_link_url(self):
        """The path of the album's link and QR code (see albums.codes)."""
        return reverse("album_by_link", args=[self.link_token])

    def new_code(self):
        """Give the album a fresh code and link: the old code, links and QR
        codes stop working, and the hosts' slideshow link too."""
        self.code = self.unused_code()
        self.link_token = generate_link_token()
        self.slideshow_token = generate_link_token()
        self.save(update_fields=["code", "link_token", "slideshow_token"])

    def delete(self, *args, **kwargs):
        """Delete the album and its photos, its row locked first
        (AlbumQuerySet.lock_for_delete: never beside an upload adding to it)."""
        with transaction.atomic():
            Album.all_objects.filter(pk=self.pk).lock_for_delete()
            return super().delete(*args, **kwargs)

    def trash(self, now=None):
        """Move the album to the trash (photos.trash): its code, link and pages
        open nothing, and it is off every list, until restore(); its photos and
        files stay as they are. The UPDATE waits for an upload adding to it
        (photos.ingest locks the row), and later uploads find no album.
        Returns whether it was out of the trash."""
        now = now or timezone.now()
        trashed = Album.objects.filter(pk=self.pk).update(deleted_at=now)
        if trashed:
            self.deleted_at = now
        return bool(trashed)

    def restore(self):
        """Take the album out of the trash, with its code, link, settings,
        followers and photos as they were. Returns whether it was in the
        trash (False: restored already, or purged meanwhile)."""
        restored = Album.all_objects.filter(
            pk=self.pk, deleted_at__isnull=False
        ).update(deleted_at=None)
        if restored:
            self.deleted_at = None
        return bool(restored)

    @property
    def purge_at(self):
        """When a trashed album is purged for good (None out of the trash)."""
        if self.deleted_at is None:
            return None
        return self.deleted_at + timedelta(days=settings.TRASH_DAYS)

    def is_owned_by(self, user):
        """The owner (or staff): every power, deleting the album and managing
        co-hosts included."""
        return user.is_authenticated and (user.pk == self.user_id or user.is_staff)

    def is_hosted_by(self, user):
        """The owner, a co-host or staff: every power but deleting the album,
        merging it, and inviting or removing co-hosts (is_owned_by)."""
        return self.is_owned_by(user) or self.is_cohost(user)

    def is_cohost(self, user):
        if not user.is_authenticated:
            return False
        cache = self.__dict__.setdefault("_cohost_cache", {})
        if user.pk not in cache:
            cache[user.pk] = self.cohosts.filter(user=user).exists()
        return cache[user.pk]

    def hosts(self):
        """The owner, then the co-hosts in the order they joined."""
        cohosts = [cohost.user for cohost in self.cohosts.select_related("user")]
        return [self.user, *cohosts]

    @property
    def tzinfo(self):
        return times.zone(self.time_zone)

    def in_words(self, moment, now=None):
        """`moment` in the album's time zone, in words (albums.times.in_words)."""
        return times.in_words(moment, self.tzinfo, now)

    def until_words(self, moment, now=None):
        """`moment` in the album's time zone, in words, as it follows "until":
        in English in_words without its "on" ("Sunday at 18:00", "today at
        18:00"). Phrases of their own, since not every language says a moment
        after "until" as it says it alone."""
        tz = self.tzinfo
        now = timezone.localtime(now or timezone.now(), tz)
        local = timezone.localtime(moment, tz)
        days = (local.date() - now.date()).days
        time = formats.date_format(local, "H:i")
        if days == 0:
            # Translators: the phrases marked "after until" follow "until" in
            # sentences such as "guests see only their own photos until %(when)s".
            return pgettext("after until", "today at %(time)s") % {"time": time}
        if days == 1:
            return pgettext("after until", "tomorrow at %(time)s") % {"time": time}
        if days == -1:
            return pgettext("after until", "yesterday at %(time)s") % {"time": time}
        if 1 < days < 7:
            weekday = formats.date_format(local, "l")
            return pgettext("after until", "%(weekday)s at %(time)s") % {
                "weekday": weekday,
                "time": time,
            }
        if local.year == now.year:
            date = formats.date_format(local, pgettext("day and month", "j F"))
        else:
            date = formats.date_format(local, pgettext("day, month and year", "j F Y"))
        return pgettext("after until", "%(date)s at %(time)s") % {
            "date": date,
            "time": time,
        }

    @property
    def is_drop_box(self):
        return self.mode == self.DROP_BOX

    def photos_hidden(self, now=None):
        """Whether guests see only their own uploads now: a drop box before
        its reveal (no reveal date: until the hosts reveal it)."""
        if self.mode != self.DROP_BOX:
            return False
        return self.reveal_at is None or self.reveal_at > (now or timezone.now())

    def window_refusal(self, now=None):
        """Why the upload window keeps uploads out now, or None."""
        now = now or timezone.now()
        if self.uploads_from and now < self.uploads_from:
            # Translators: %(when)s is a moment such as "on Sunday at 18:00".
            return _("Uploads open %(when)s.") % {
                "when": self.in_words(self.uploads_from, now)
            }
        if self.uploads_until and now >= self.uploads_until:
            # Translators: %(when)s is a moment such as "on Sunday at 18:00".
            return _("Uploads closed %(when)s.") % {
                "when": self.in_words(self.uploads_until, now)
            }
        return None

    def window_note(self, now=None):
        """What the album says about its upload window while uploads are
        open ("Uploads close on Sunday at 18:00"), or ""."""
        now = now or timezone.now()
        is_open = self.uploads_open and not self.window_refusal(now)
        if is_open and self.uploads_until:
            # Translators: %(when)s is a moment such as "on Sunday at 18:00".
            return _("Uploads close %(when)s.") % {
                "when": self.in_words(self.uploads_until, now)
            }
        return ""

    def uploads_closed(self, now=None):
        """Locked by the hosts, or past the upload window's end."""
        now = now or timezone.now()
        return not self.uploads_open or bool(
            self.uploads_until and now >= self.uploads_until
        )

    def _merge_duplicates(self, other):
        """`other`'s photos already here (the same file, by sha256)."""
        return other.photos.filter(sha256__in=self.photos.values("sha256"))

    def _merge_followers(self, other):
        """`other`'s followers who would be new here (not already following,
        not this album's owner)."""
        return other.subs.exclude(user__in=self.subs.values("user")).exclude(
            user_id=self.user_id
        )

    def _merge_guest_emails(self, other):
        """The addresses guests left on `other` for its link (GuestEmail,
        through the relation: albums doesn't import photos) that aren't
        left here already, whatever their case."""
        here = self.guest_emails.filter(email__iexact=models.OuterRef("email"))
        return other.guest_emails.exclude(models.Exists(here))

    def _merge_trashed(self, other):
        """`other`'s photos in the trash (Photo.all_objects through the
        relation: albums doesn't import photos)."""
        return other.photos(manager="all_objects").filter(deleted_at__isnull=False)

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
            "trashed": self._merge_trashed(other).count(),
            "dropped": self._merge_duplicates(other).count(),
            "followers": followers,
            "followers_total": followers_total,
            "followers_already": followers_total - followers,
            "takes_cover": self.thumbnail_id is None and other.thumbnail_id is not None,
        }

    @transaction.atomic
    def merge(self, other):
        """Move `other`'s photos and videos (those in its trash to this
        album's trash), its followers and the addresses its guests left for
        its link (they get this album's instead; one already left here
        stays as it is) into this album and delete `other`.

        Photos already here (same sha256) are dropped: their rows are deleted,
        and with them their storage objects once the transaction commits.
        Returns (photos moved, duplicates dropped, followers added)."""
        # Lock both rows so two merges of the same albums can't interleave.
        list(Album.objects.select_for_update().filter(pk__in=[self.pk, other.pk]))
        duplicates = self._merge_duplicates(other)
        dropped = duplicates.count()
        duplicates.delete()
        moved = other.photos.update(album=self)
        # Its trash comes along into this album's, still restorable until its
        # own purge date (the same file may wait there beside a live copy).
        self._merge_trashed(other).update(album=self, was_cover=False)
        followers_added = self._merge_followers(other).update(album=self)
        self._merge_guest_emails(other).update(album=self)
        if self.thumbnail_id is None and other.thumbnail_id is not None:
            self.thumbnail_id = (
                Album.objects.filter(pk=other.pk)
                .values_list("thumbnail", flat=True)
                .get()
            )
            self.save(update_fields=["thumbnail"])
        other.delete()
        return moved, dropped, followers_added

    def upload_refusal(self, user, now=None):
        """Why `user` may not upload here, or None if they may."""
        if not self.uploads_open:
            return _("This album is locked: the host has closed uploads.")
        if refusal := self.window_refusal(now):
            return refusal
        if not self.guest_uploads and not user.is_authenticated:
            return _("Log in to upload photos to this album.")
        return None


class Subs(models.Model):
    """An album a user follows."""

    album = models.ForeignKey(Album, models.CASCADE, related_name="subs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="subs"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("following an album", "follow")
        constraints = [
            models.UniqueConstraint(fields=["album", "user"], name="unique_follow")
        ]

    def __str__(self):
        return _("%(user)s follows %(album)s") % {
            "user": self.user,
            "album": self.album,
        }


class CoHost(models.Model):
    """A second host of an album (at a wedding there are two): every power of
    its owner but deleting or merging the album and inviting or removing
    co-hosts (Album.is_hosted_by)."""

    album = models.ForeignKey(Album, models.CASCADE, related_name="cohosts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="cohosted"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("co-host")
        constraints = [
            models.UniqueConstraint(fields=["album", "user"], name="unique_cohost")
        ]

    def __str__(self):
        return _("%(user)s co-hosts %(album)s") % {
            "user": self.user,
            "album": self.album,
        }


class CoHostInvitation(models.Model):
    """A one-time link that makes the logged-in user who opens it a co-host:
    a 192-bit token, usable once, for COHOST_INVITATION_DAYS, revocable."""

    album = models.ForeignKey(Album, models.CASCADE, related_name="invitations")
    token = models.CharField(
        max_length=64, unique=True, editable=False, default=generate_link_token
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("co-host invitation")
        ordering = ["-created_at"]

    def __str__(self):
        return _("Invitation to co-host %(album)s") % {"album": self.album}

    def save(self, *args, **kwargs):
        if self.expires_at is None:
            self.expires_at = self.created_at + timedelta(
                days=settings.COHOST_INVITATION_DAYS
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("cohost_accept", args=[self.token])

    def is_usable(self, now=None):
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and (now or timezone.now()) < self.expires_at
        )
