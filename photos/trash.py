"""The trash: deleted albums and photos wait here TRASH_DAYS before they go.

Deleting an album (its owner) or a photo (its uploader, the hosts, bulk
moderation) sets its deleted_at: from then on Album.objects and Photo.objects
(so album.photos, every page, download, ZIP, slideshow, JSON and quota)
leave it out, while its row, its description (Tag rows), its hide state and
its storage objects stay as they were. Its owner restores a trashed album
from the Trash page (trash/); the hosts restore any trashed photo of their
album, and its uploader their own (a guest by their guest cookie) unless a
host deleted it (Photo.trashed_by_host), from the album's trash page
(a/<code>/trash/). purge() deletes for good what has been
in the trash longer than TRASH_DAYS, through the ordinary delete paths, so
the files go once each batch commits (photos.signals); the Celery beat task
photos.tasks.purge_trash runs it every hour.

What skips the trash: deleting an account (accounts.deletion: trash and
all), the admin's delete action and delete page ("Delete now"), "Delete
now" on a trash page, a take-down request's Remove (the person in the photo
asked for it gone) and the duplicates a merge drops (the same file stays in
the album merged into). A merge brings the other album's trash along.

Lock order, as uploads take it (photos.ingest): the album's row, then the
photos' rows. Trashing, restoring and purging photos lock their albums' rows
first (FOR NO KEY UPDATE) so none of them can deadlock with another or with
an upload; deleting an album locks its row FOR UPDATE first (lock_for_delete).
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from albums.models import Album
from photos.ingest import album_quota_refusal, guest_quota_refusal
from photos.models import Photo

logger = logging.getLogger(__name__)

# Photos purged per transaction: their files go as each batch commits.
PURGE_BATCH = 500


class Refused(Exception):
    """A restore that can't be done; `message` says why, for the person."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def purge_at(deleted_at):
    """When something trashed at `deleted_at` is purged for good."""
    return deleted_at + timedelta(days=settings.TRASH_DAYS)


def until_words(album, deleted_at, now=None):
    """Until when something of `album` trashed at `deleted_at` can be
    restored, in words, to follow "until" or "purged" (Album.until_words):
    "tomorrow at 18:00", "Sunday at 18:00", "20 December at 18:00" (the
    purge runs hourly: up to an hour more)."""
    return album.until_words(purge_at(deleted_at), now)


def html_message(message, **values):
    """`message` (translated, with %(name)s placeholders and HTML of its
    own) with `values` escaped into it."""
    return mark_safe(  # noqa: S308 (the values are escaped)
        message % {name: conditional_escape(value) for name, value in values.items()}
    )


def moved_message(album, name, deleted_at):
    """What the page says once the photo `name` ("party.jpg") of `album` went
    to the trash, with a link to the album's trash page."""
    return html_message(
        _(
            'Moved %(name)s to the trash: restore it from <a href="%(url)s">Trash'
            "</a> until %(until)s."
        ),
        name=name,
        url=reverse("album_trash", args=[album.code]),
        until=until_words(album, deleted_at),
    )


def moved_count_message(album, count, deleted_at):
    """What the page says once `count` photos of `album` went to the trash."""
    return html_message(
        ngettext(
            'Moved %(count)s photo to the trash: restore it from <a href="%(url)s">'
            "Trash</a> until %(until)s.",
            'Moved %(count)s photos to the trash: restore them from <a href="%(url)s">'
            "Trash</a> until %(until)s.",
            count,
        ),
        count=count,
        url=reverse("album_trash", args=[album.code]),
        until=until_words(album, deleted_at),
    )


# Moving to the trash


def trash_album(album, now=None):
    """Move `album` to the trash (Album.trash: the album's own fields only).
    Returns whether it was out of the trash."""
    return album.trash(now)


def trash_photos(photos, now=None, by=None, guest_key=""):
    """Move the photos of queryset `photos` that are out of the trash into
    it, each noting whether it was its album's cover (was_cover) and
    whether a host who didn't add it trashed it (trashed_by_host: then its
    uploader can't restore it, restorable()), then give the albums whose
    cover went a new one (Photo.objects.refresh_covers). `by` is who
    trashes them (a user, AnonymousUser or None: nobody's a host), with
    `guest_key` their guest cookie's key (photos.guests) if any.
    Returns how many went."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            photos.filter(deleted_at__isnull=True).values_list(
                "pk", "album_id", "user_id", "guest_key"
            )
        )
        if not rows:
            return 0
        album_ids = sorted({row[1] for row in rows})
        _lock_albums(album_ids)
        hosted = _hosted_by(album_ids, by)
        by_host = [
            pk
            for pk, album_id, user_id, key in rows
            if album_id in hosted and not _added_by(user_id, key, by, guest_key)
        ]
        cover = Album.all_objects.filter(
            pk=models.OuterRef("album_id"), thumbnail=models.OuterRef("pk")
        )
        count = Photo.objects.filter(pk__in=[row[0] for row in rows]).update(
            deleted_at=now,
            was_cover=models.Exists(cover),
            trashed_by_host=models.Case(
                models.When(pk__in=by_host, then=True),
                default=False,
                output_field=models.BooleanField(),
            ),
        )
        Photo.objects.refresh_covers(Album.all_objects.filter(pk__in=album_ids))
    return count


def _hosted_by(album_ids, user):
    """The ids of these albums `user` hosts (Album.is_hosted_by)."""
    if user is None or not user.is_authenticated:
        return set()
    albums = Album.all_objects.filter(pk__in=album_ids)
    return {album.pk for album in albums if album.is_hosted_by(user)}


def _added_by(user_id, photo_guest_key, user, guest_key):
    """Whether the photo with this uploader (user_id, photo_guest_key) was
    added by `user`, or by the guest whose key is `guest_key`
    (Photo.is_uploaded_by)."""
    if user_id:
        return user is not None and user.is_authenticated and user.pk == user_id
    return bool(guest_key) and constant_time_compare(photo_guest_key, guest_key)


def _lock_albums(album_ids):
    """FOR NO KEY UPDATE on these albums' rows, in id order (as an upload
    locks its album: photos.ingest)."""
    list(
        Album.all_objects.filter(pk__in=album_ids)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )


# Who may restore what


def restorable(album, user, guest_key="", as_host=None):
    """The trashed photos of `album` this person may restore (and see on its
    trash page): all of them for the hosts (Album.is_hosted_by: the owner,
    co-hosts, staff), their own for an uploader (an account's, or a guest's
    by the key of their guest cookie, photos.guests) unless a host trashed
    it (trashed_by_host: a host's removal is not the uploader's to undo).
    Newest in the trash first."""
    photos = Photo.all_objects.filter(album=album, deleted_at__isnull=False)
    if as_host is None:
        as_host = album.is_hosted_by(user)
    if not as_host:
        own = models.Q(pk__in=[])
        if guest_key:
            own |= models.Q(user__isnull=True, guest_key=guest_key)
        if user.is_authenticated:
            own |= models.Q(user=user)
        photos = photos.filter(own, trashed_by_host=False)
    return photos.order_by("-deleted_at", "-id")


# Restoring


def restore_photo(photo, *, as_host=True):
    """Take `photo` out of the trash, as it was: its description and
    take-down requests (rows never touched), its hide state, who added it and
    when. It becomes the cover again if it was the cover when it went and
    the cover is still the automatic one (none, or the first visible photo in
    album order, which the cover rule put there): a cover the hosts picked
    since stays. (A host who picked exactly the photo the rule would pick
    can't be told apart: that cover gives way.)

    `as_host`: whether the one restoring hosts the album (the admin's
    staff do); else they are its uploader (restorable() says who may), and
    the guest quota holds as for an upload: a guest who deleted a photo and
    added others since can't restore it past GUEST_SESSION_MAX_PHOTOS.

    Refused (raises Refused) when the album is in the trash or gone, the
    photo was restored or purged meanwhile (or, for its uploader, a host
    trashed it since), the same file is in the album again (uploaded since:
    photos are unique per album among those out of the trash), the album is
    full, or (its uploader restoring) the guest who added it reached their
    quota. Checked under the album's row lock, as an upload checks, so a
    restore and an upload can't both take the last place. Returns the
    photo, restored."""
    with transaction.atomic():
        album = (
            Album.objects.select_for_update(no_key=True)
            .filter(pk=photo.album_id)
            .first()
        )
        if album is None:
            raise Refused(
                _("%(name)s can't come back: its album is not there any more.")
                % {"name": photo.filename}
            )
        current = Photo.all_objects.select_for_update().filter(
            pk=photo.pk, album=album, deleted_at__isnull=False
        )
        if not as_host:  # restored and trashed again by a host meanwhile
            current = current.filter(trashed_by_host=False)
        current = current.first()
        if current is None:
            raise Refused(
                _(
                    "%(name)s is no longer in the trash: restored already, or "
                    "deleted for good."
                )
                % {"name": photo.filename}
            )
        if album.photos.filter(sha256=current.sha256).exists():
            raise Refused(
                _(
                    "%(name)s can't come back: the same file was added to "
                    "%(album)s again since it was deleted, and an album holds each "
                    "file once. Delete that copy first to restore this one, or "
                    "leave this one to be purged."
                )
                % {"name": current.filename, "album": album.name}
            )
        if full := album_quota_refusal(album, current.size):
            raise Refused(
                # Translators: the reason is a whole sentence ("This album is
                # full, so nothing more can be added ...").
                _("%(name)s can't come back: %(reason)s")
                % {"name": current.filename, "reason": full.message}
            )
        if (
            not as_host
            and current.user_id is None
            and current.guest_key
            and (full := guest_quota_refusal(current.guest_key))
        ):
            raise Refused(
                _("%(name)s can't come back: %(reason)s")
                % {"name": current.filename, "reason": full.message}
            )
        automatic = (
            album.photos.filter(hidden=False)
            .in_album_order()
            .values_list("pk", flat=True)
            .first()
        )
        takes_cover = (
            current.was_cover
            and not current.hidden
            and album.thumbnail_id in (None, automatic)
        )
        try:
            with transaction.atomic():
                Photo.all_objects.filter(pk=current.pk).update(
                    deleted_at=None, was_cover=False, trashed_by_host=False
                )
        except IntegrityError:  # the same file came in anyway (SQLite, say)
            raise Refused(
                _("%(name)s can't come back: the same file is in %(album)s again.")
                % {"name": current.filename, "album": album.name}
            ) from None
        if takes_cover:
            Album.objects.filter(pk=album.pk).update(thumbnail=current)
        else:  # an album without a cover gets this one if it may be one
            Photo.objects.refresh_covers(Album.objects.filter(pk=album.pk))
    current.deleted_at, current.was_cover, current.trashed_by_host = None, False, False
    current.album = album
    return current


def restore_album(album):
    """Take `album` out of the trash with everything in it, its code and
    link included (codes stay reserved while in the trash: Album.unused_code
    looks at all_objects). Refused if it was restored or purged meanwhile."""
    if not album.restore():
        raise Refused(
            _(
                "%(name)s is no longer in the trash: restored already, or deleted "
                "for good."
            )
            % {"name": album.name}
        )
    return album


# Deleting for good


def delete_photo_now(photo):
    """Delete a trashed photo for good at once (a trash page's "Delete
    now"): its files go once this commits. Returns whether it was there."""
    with transaction.atomic():
        _lock_albums([photo.album_id])
        locked = list(
            Photo.all_objects.select_for_update()
            .filter(pk=photo.pk, deleted_at__isnull=False)
            .values_list("pk", flat=True)
        )
        if not locked:
            return False
        Photo.all_objects.filter(pk__in=locked).delete()
    return True


def delete_album_now(album):
    """Delete a trashed album for good at once, with its photos, their files
    once this commits. Returns whether it was (still) in the trash."""
    return _delete_albums_in_trash(Album.all_objects.filter(pk=album.pk))


def _delete_albums_in_trash(albums):
    """Delete those of `albums` (one album, in practice) that are in the
    trash once their rows are locked: a restore that got there first keeps
    its album."""
    with transaction.atomic():
        locked = albums.filter(deleted_at__isnull=False).lock_for_delete()
        if not locked:
            return False
        Album.all_objects.filter(pk__in=locked).delete()
    return True


def purge(now=None, batch_size=PURGE_BATCH):
    """Delete for good the albums and photos trashed more than TRASH_DAYS
    ago, with their files (after each commit, photos.signals). An album at a
    time, then photos a batch at a time, each in its own transaction: each
    is rechecked under its row lock, so one restored meanwhile stays, and a
    purge cut short (a worker's time limit) keeps what it did; running it
    again, or twice at once, purges each thing once. Returns (albums,
    photos) purged."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TRASH_DAYS)
    albums = 0
    due_albums = Album.all_objects.filter(deleted_at__lt=cutoff)
    for pk in list(due_albums.order_by("pk").values_list("pk", flat=True)):
        if _delete_albums_in_trash(due_albums.filter(pk=pk)):
            albums += 1
    photos = 0
    due_photos = Photo.all_objects.filter(deleted_at__lt=cutoff)
    while batch := list(
        due_photos.order_by("pk").values_list("pk", "album_id")[:batch_size]
    ):
        with transaction.atomic():
            _lock_albums(sorted({album_id for _pk, album_id in batch}))
            locked = list(
                due_photos.filter(pk__in=[pk for pk, _album_id in batch])
                .order_by("pk")
                .select_for_update()
                .values_list("pk", flat=True)
            )
            if locked:
                photos += (
                    Photo.all_objects.filter(pk__in=locked)
                    .delete()[1]
                    .get(Photo._meta.label, 0)
                )
    if albums or photos:
        logger.info("purged %s albums and %s photos from the trash", albums, photos)
    return albums, photos


@shared_task(name="photos.tasks.purge_trash")
def purge_trash():
    """The hourly beat task (settings.CELERY_BEAT_SCHEDULE): purge()."""
    albums, photos = purge()
    return {"albums": albums, "photos": photos}
