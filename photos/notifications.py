"""Emails: the hosts' emails of what is new in their album, and the one
email with the album's link for guests who left their address.

Hosts' emails of what is new. send_due() runs every NOTIFY_CHECK_MINUTES
(the Celery beat task photos.tasks.send_notifications, or `manage.py
periodic_tasks` from cron). For each album out of the trash whose `notify`
isn't off, each of its hosts (owner and co-hosts) with an email address who
didn't unsubscribe gets at most one email per period: an hourly album's in
each UTC hour, a daily album's on each day of the album's time zone once it
is past NOTIFY_DAILY_HOUR there. An email covers what came since the one
before (SentEmail.covered_until; else since the host became a host): pending
take-down requests first, then the new photos and videos (hidden ones too:
the hosts see all), by uploader, with up to NOTIFY_THUMBNAILS thumbnails as
inline images. Nothing new, no email.

Guests' links. A guest may leave an address on the upload card
(photos.email_views.guest_email): one email with the album's link goes to it
once the link is "ready": a drop box's reveal has passed, or a see-all
album's uploads closed (locked by the hosts, or past the upload window).
send_due() looks for those; a reveal or lock by the hosts sends at once
(albums.signals.guest_links_due, after the commit, as a task). Once it is
sent the address is deleted.

Each email is sent once: its SentEmail row, under a key that names it, is
made in a transaction of its own before sending; a run that finds the key
taken skips it, and a failed send deletes the row so the next run tries
again. Every email has a one-click unsubscribe (a link, and the
List-Unsubscribe and List-Unsubscribe-Post headers of RFC 8058; a guest's
email has the headers only: its address is gone once it is sent).

Each email is in its reader's language, its dates too: the hosts' in the
album's (Album.language), a guest's in the one they read the album in when
they left their address (GuestEmail.language), else the album's.
"""

import logging
from datetime import UTC, timedelta
from email.mime.image import MIMEImage

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import BaseUserManager
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from albums.models import Album
from albums.signals import guest_links_due
from albums.words import count_words
from core import storage
from photos.models import (
    GuestEmail,
    HostEmailOptOut,
    Photo,
    SentEmail,
    TakedownRequest,
)

logger = logging.getLogger(__name__)

HOST_UNSUBSCRIBE_SALT = "photos.notifications.host-unsubscribe"
# A photo's row gets its created_at just before its transaction, which may
# wait for the album's lock: an email covers rows up to this long before it
# is made, so one committed late still comes in the next.
LATE_ROWS = timedelta(minutes=2)
# Where links in emails point when SITE_URL is unset (there is no request
# to take the host from): the development server.
FALLBACK_SITE_URL = "http://127.0.0.1:8000"
JPEG_START = b"\xff\xd8\xff"
# How far back send_digests looks for new photos and take-down requests: an
# album with nothing newer costs a run nothing (Photo.created_at is indexed).
# A daily album's email covers about the last day (25 hours across a clock
# change), an hourly one's the last hour; a week leaves room for runs missed
# for days. What no email covered for longer (emails turned back on after
# weeks) waits for the album's next news and comes in that email, which
# covers all since the one before.
ACTIVITY_WINDOW = timedelta(days=7)


# ---- Links ------------------------------------------------------------------


def site_url():
    """The site's address for links in emails: SITE_URL (set it in
    production), else the development server's."""
    if settings.SITE_URL:
        return settings.SITE_URL
    logger.warning(
        "SITE_URL is not set: links in emails point at %s", FALLBACK_SITE_URL
    )
    return FALLBACK_SITE_URL


def absolute(path):
    return site_url() + path


def host_unsubscribe_token(album, user):
    """The signed token of a host's unsubscribe link: which album, which
    host. The same for every email (no timestamp), and it doesn't expire:
    the link in an old email keeps working."""
    return signing.Signer(salt=HOST_UNSUBSCRIBE_SALT).sign_object([album.pk, user.pk])


def read_host_unsubscribe_token(token):
    """(album id, user id) from a host's unsubscribe token, or None."""
    try:
        album_id, user_id = signing.Signer(salt=HOST_UNSUBSCRIBE_SALT).unsign_object(
            token
        )
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not (isinstance(album_id, int) and isinstance(user_id, int)):
        return None
    return album_id, user_id


def normalize_email(address):
    """The address as kept: trimmed and all in lower case, so the same
    address typed in another case is the same row (GuestEmail's unique
    album and email holds for two posts at once, A@x.org and a@x.org).
    Mail servers treat the part before the @ case-blind in practice."""
    return BaseUserManager.normalize_email(address.strip()).lower()


# ---- Words ------------------------------------------------------------------


def language_of(album):
    """The language the album's emails to its hosts are written in: the
    album's (its host's choice), else the site's."""
    return album.language or settings.LANGUAGE_CODE


def guest_language(guest_email):
    """The language of a guest's email: the one they read the album in when
    they left their address, else the album's."""
    return guest_email.language or language_of(guest_email.album)


def guest_link_when(album, now=None):
    """When a guest who leaves their address now gets the album's link,
    after "We'll email you the link": "when the photos are revealed, on
    Sunday at 18:00", "when uploads close, today at 23:00", "in a few
    minutes" when it is ready already. It ends the sentences "We'll email
    you the link %(when)s." and "We'll send it once, %(when)s." """
    now = now or timezone.now()
    if links_due(album, now):
        # Translators: the end of "We'll email you the link %(when)s." and
        # "We'll send it once, %(when)s." (a guest's email with the album's
        # link), as are the other "when ..." phrases.
        return _("in a few minutes")
    if album.is_drop_box:
        if album.reveal_at:
            # Translators: the end of "We'll email you the link %(when)s.";
            # %(when)s here is a moment such as "on Sunday at 18:00".
            return _("when the photos are revealed, %(when)s") % {
                "when": album.in_words(album.reveal_at, now)
            }
        # Translators: the end of "We'll email you the link %(when)s.".
        return _("when the hosts reveal the photos")
    if album.uploads_until:
        # Translators: the end of "We'll email you the link %(when)s.";
        # %(when)s here is a moment such as "on Sunday at 18:00".
        return _("when uploads close, %(when)s") % {
            "when": album.in_words(album.uploads_until, now)
        }
    # Translators: the end of "We'll email you the link %(when)s.".
    return _("when the hosts close uploads")


# ---- Sending once -----------------------------------------------------------


def _message(subject, to, text, html, unsubscribe_url, images=()):
    """A multipart email: plain text, the HTML alternative (its inline
    images in a multipart/related), the one-click unsubscribe headers."""
    message = EmailMultiAlternatives(
        # One line whatever the album's name holds (a header can't break).
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    if images:
        message.mixed_subtype = "related"
        for image in images:
            message.attach(image)
    return message


def send_once(key, message, album, user=None, covered_until=None):
    """Send `message` unless an email under `key` was sent (or is being
    sent) already: True if this call sent it. The record comes first, in a
    transaction of its own, so a run beside this one sees it and skips; if
    sending fails it goes again, for the next run to retry."""
    try:
        with transaction.atomic():
            record = SentEmail.objects.create(
                key=key, album=album, user=user, covered_until=covered_until
            )
    except IntegrityError:
        return False
    try:
        message.send()
    except Exception:
        logger.exception("could not send the email %s; the next run retries", key)
        SentEmail.objects.filter(pk=record.pk).delete()
        return False
    SentEmail.objects.filter(pk=record.pk).update(sent_at=timezone.now())
    return True


# ---- Hosts' emails of what is new -------------------------------------------


def period_key(album, user, now):
    """The key of this period's email to `user` about `album`, or None when
    none goes now (notifications off, or a daily album before its hour)."""
    if album.notify == Album.NOTIFY_HOURLY:
        hour = timezone.localtime(now, UTC)
        return f"digest:{album.pk}:{user.pk}:{hour:%Y-%m-%dT%H}"
    if album.notify == Album.NOTIFY_DAILY:
        local = timezone.localtime(now, album.tzinfo)
        if local.hour < settings.NOTIFY_DAILY_HOUR:
            return None
        return f"digest:{album.pk}:{user.pk}:{local:%Y-%m-%d}"
    return None


def _album_hosts(album):
    """[(user, since)] of the album's hosts: the owner since the album was
    made, each co-host since they joined (album.cohosts prefetched)."""
    hosts = [(album.user, album.created_at)]
    hosts += [(cohost.user, cohost.created_at) for cohost in album.cohosts.all()]
    return hosts


def _new_photos(album, since, until):
    return Photo.objects.filter(
        album=album, created_at__gt=since, created_at__lte=until
    ).select_related("user")


def _new_takedowns(album, since, until):
    return (
        TakedownRequest.objects.pending()
        .filter(
            photo__album=album,
            photo__deleted_at__isnull=True,
            created_at__gt=since,
            created_at__lte=until,
        )
        .select_related("photo")
        .order_by("created_at", "pk")
    )


def _uploader_groups(photos):
    """The new photos by uploader, most first: [{"name", "photos",
    "videos", "words"}]. Accounts by account; guests by the name they gave;
    guests who gave none together ("2 guests without a name")."""
    groups = {}
    for photo in photos:
        # Accounts by account, guests by the name they gave.
        key = ("user", photo.user_id) if photo.user_id else ("guest", photo.guest_name)
        group = groups.setdefault(
            key,
            {"name": photo.uploader_name, "photos": 0, "videos": 0, "guests": set()},
        )
        group["videos" if photo.is_video else "photos"] += 1
        group["guests"].add(photo.guest_key)
    result = []
    for (kind, name), group in groups.items():
        if kind == "guest" and not name:
            guests = len(group["guests"])
            # Translators: who added photos, in "%(name)s added 3 photos.".
            group["name"] = ngettext(
                "A guest who gave no name", "%(count)s guests who gave no name", guests
            ) % {"count": guests}
        group["words"] = count_words(group["photos"], group["videos"])
        del group["guests"]
        result.append(group)
    result.sort(key=lambda group: (-(group["photos"] + group["videos"]), group["name"]))
    return result


def _thumbnail(photo):
    """An inline image of the photo's thumbnail (a JPEG from storage), or
    None when it can't be read: the email goes without it."""
    try:
        data = b"".join(storage.iter_object(photo.tlink))
    except Exception as exc:  # a missing or unreadable object
        logger.warning("no thumbnail for photo %s in an email: %r", photo.pk, exc)
        return None
    if not data.startswith(JPEG_START):
        return None
    image = MIMEImage(data, "jpeg")
    image.add_header("Content-ID", f"<{_cid(photo)}>")
    image.add_header("Content-Disposition", "inline", filename=f"photo-{photo.pk}.jpg")
    return image


def _cid(photo):
    return f"photo-{photo.pk}@partyshots"


def digest(album, user, since, until, now):
    """The email of what is new in `album` for host `user` between `since`
    and `until`, or None when nothing is. In the album's language (its
    dates too)."""
    with translation.override(language_of(album)):
        return _digest(album, user, since, until, now)


def _digest(album, user, since, until, now):
    takedowns = list(_new_takedowns(album, since, until))
    photos = list(_new_photos(album, since, until).order_by("-created_at", "-pk"))
    if not takedowns and not photos:
        return None
    for item in [t.photo for t in takedowns] + photos:
        item.album = album
    # Thumbnails: the photos asked to be taken down first, then the newest.
    images, shown = [], set()
    for photo in [t.photo for t in takedowns] + photos:
        if len(images) >= settings.NOTIFY_THUMBNAILS:
            break
        if photo.pk in shown:
            continue
        image = _thumbnail(photo)
        if image is not None:
            images.append(image)
            shown.add(photo.pk)
    for takedown in takedowns:
        takedown.cid = _cid(takedown.photo) if takedown.photo.pk in shown else ""
        takedown.when = album.in_words(takedown.created_at, now)
    thumbnails = [
        {"cid": _cid(photo), "photo": photo} for photo in photos if photo.pk in shown
    ]
    videos = sum(photo.is_video for photo in photos)
    count = count_words(len(photos) - videos, videos)
    news = count
    if takedowns:
        requests = ngettext(
            "%(count)s take-down request",
            "%(count)s take-down requests",
            len(takedowns),
        ) % {"count": len(takedowns)}
        # Translators: what is new, in an email's subject: "1 take-down
        # request, 2 photos".
        news = (
            _("%(requests)s, %(added)s") % {"requests": requests, "added": count}
            if photos
            else requests
        )
    unsubscribe_url = absolute(
        reverse("unsubscribe_host", args=[host_unsubscribe_token(album, user)])
    )
    context = {
        "album": album,
        "host_name": user.first_name or user.get_username(),
        "since": album.until_words(since, now),
        "takedowns": takedowns,
        "groups": _uploader_groups(photos),
        "count": count,
        "thumbnails": thumbnails,
        "more": len(photos) - len(thumbnails),
        "album_url": absolute(album.get_absolute_url()),
        "settings_url": absolute(reverse("album_settings", args=[album.code])),
        "unsubscribe_url": unsubscribe_url,
        "hourly": album.notify == Album.NOTIFY_HOURLY,
    }
    return _message(
        # Translators: an email's subject: "New in Anna's wedding: 3 photos".
        subject=_("New in %(album)s: %(news)s") % {"album": album.name, "news": news},
        to=user.email,
        text=render_to_string("emails/host_digest.txt", context),
        html=render_to_string("emails/host_digest.html", context),
        unsubscribe_url=unsubscribe_url,
        images=images,
    )


def _activity(after):
    """{album id: newest created_at of its photos or pending take-down
    requests}, of the rows made after `after` (ACTIVITY_WINDOW): albums with
    nothing that new, or nothing newer than a host's last email, need no
    closer look."""
    newest = {}
    for row in (
        Photo.objects.filter(created_at__gt=after)
        .values("album")
        .annotate(newest=Max("created_at"))
    ):
        newest[row["album"]] = row["newest"]
    for row in (
        TakedownRequest.objects.pending()
        .filter(created_at__gt=after, photo__deleted_at__isnull=True)
        .values("photo__album")
        .annotate(newest=Max("created_at"))
    ):
        album_id = row["photo__album"]
        newest[album_id] = max(filter(None, [newest.get(album_id), row["newest"]]))
    return newest


def send_digests(now=None):
    """Send the hosts' emails of what is new that are due at `now`; how many
    went. Only albums with something new in the last ACTIVITY_WINDOW are
    looked at."""
    now = now or timezone.now()
    until = now - LATE_ROWS
    newest = _activity(now - ACTIVITY_WINDOW)
    if not newest:
        return 0
    albums = list(
        Album.objects.filter(pk__in=newest)
        .exclude(notify=Album.NOTIFY_OFF)
        .select_related("user")
        .prefetch_related("cohosts__user")
    )
    if not albums:
        return 0
    album_ids = [album.pk for album in albums]
    covered = {
        (row["album"], row["user"]): row["until"]
        for row in SentEmail.objects.filter(
            album__in=album_ids, key__startswith="digest:"
        )
        .values("album", "user")
        .annotate(until=Max("covered_until"))
    }
    opted_out = set(
        HostEmailOptOut.objects.filter(album__in=album_ids).values_list("album", "user")
    )
    sent = 0
    for album in albums:
        if album.pk not in newest:
            continue
        for user, became_host in _album_hosts(album):
            if not user.email or (album.pk, user.pk) in opted_out:
                continue
            key = period_key(album, user, now)
            if key is None:
                continue
            since = covered.get((album.pk, user.pk)) or became_host
            if newest[album.pk] <= since or since >= until:
                continue
            if SentEmail.objects.filter(key=key).exists():
                continue
            message = digest(album, user, since, until, now)
            if message is not None and send_once(
                key, message, album, user, covered_until=until
            ):
                sent += 1
    return sent


# ---- Guests' links ----------------------------------------------------------


def links_due(album, now=None):
    """Whether the album's link is "ready" for the guests who left their
    address: a drop box after its reveal, a see-all album once uploads
    closed."""
    if album.deleted_at is not None:
        return False
    if album.is_drop_box:
        return not album.photos_hidden(now)
    return album.uploads_closed(now)


def guest_link_email(guest_email):
    """The email with the album's link for a guest, in the language they
    read the album in."""
    with translation.override(guest_language(guest_email)):
        return _guest_link_email(guest_email)


def _guest_link_email(guest_email):
    album = guest_email.album
    unsubscribe_url = absolute(reverse("unsubscribe_guest", args=[guest_email.token]))
    context = {
        "album": album,
        "revealed": album.is_drop_box,
        "link": absolute(album.get_link_url()),
        "unsubscribe_url": unsubscribe_url,
    }
    if album.is_drop_box:
        # Translators: an email's subject.
        subject = _("The photos of %(album)s are revealed") % {"album": album.name}
    else:
        # Translators: an email's subject, once uploads to the album closed.
        subject = _("Everyone's photos of %(album)s") % {"album": album.name}
    return _message(
        subject=subject,
        to=guest_email.email,
        text=render_to_string("emails/guest_link.txt", context),
        html=render_to_string("emails/guest_link.html", context),
        unsubscribe_url=unsubscribe_url,
    )


def send_guest_links(album, now=None):
    """Send the album's link to each guest who left their address for it,
    once, if it is ready (links_due); how many went.

    Once its email is sent, the address is deleted (GuestEmail row and
    all): it was kept for that one email. The SentEmail record
    "guest-link:<row id>" stays as the record that it went, so a run
    beside this one that read the row too sends nothing more. The same
    address given again later is a new row with a new id: it gets the link
    again, once."""
    if not links_due(album, now):
        return 0
    sent = 0
    waiting = album.guest_emails.filter(sent_at__isnull=True).order_by("pk")
    for guest_email in waiting:
        guest_email.album = album
        key = f"guest-link:{guest_email.pk}"
        if send_once(key, guest_link_email(guest_email), album):
            GuestEmail.objects.filter(pk=guest_email.pk).delete()
            sent += 1
        elif SentEmail.objects.filter(key=key, sent_at__isnull=False).exists():
            # Sent by an earlier run that stopped before deleting it.
            GuestEmail.objects.filter(pk=guest_email.pk).delete()
    return sent


def send_all_guest_links(now=None):
    now = now or timezone.now()
    albums = Album.objects.filter(
        pk__in=GuestEmail.objects.filter(sent_at__isnull=True).values("album")
    ).filter(Q(mode=Album.DROP_BOX, reveal_at__lte=now) | ~Q(mode=Album.DROP_BOX))
    return sum(send_guest_links(album, now) for album in albums)


def send_due(now=None):
    """Everything due at `now` (default: now): the hosts' emails of what is
    new and the guests' links. Returns {"digests": n, "guest_links": n}."""
    now = now or timezone.now()
    return {
        "digests": send_digests(now),
        "guest_links": send_all_guest_links(now),
    }


# ---- Tasks ------------------------------------------------------------------


@shared_task(name="photos.tasks.send_notifications")
def send_notifications():
    """The beat task (every NOTIFY_CHECK_MINUTES): send_due()."""
    return send_due()


@shared_task(name="photos.tasks.send_guest_links")
def guest_links_task(album_id):
    """Send an album's guests their link now (a reveal, a lock)."""
    album = Album.objects.filter(pk=album_id).first()
    return send_guest_links(album) if album is not None else 0


@receiver(guest_links_due)
def _guest_links_due(sender, album, **kwargs):
    album_id = album.pk
    transaction.on_commit(lambda: guest_links_task.delay(album_id))
