"""Who sees what, the reveal and the upload window, as the hosts set them.

An album is either "see all" (everyone with the code sees every photo that
isn't hidden) or a drop box: each guest sees only what they add until the
reveal (Album.reveal_at; none: until the hosts press Reveal now), while the
hosts see everything. Uploads may also be limited to a window
(Album.uploads_from / uploads_until), after which the album locks itself.

Here: the settings' confirmation step before a save that hides photos from
guests or shows them (album_settings posts through confirmation() and
save_settings()), what a save says it did, Reveal now (album_reveal), and the
hosts' slideshow link (photos.views.slideshow with ?key=, which shows every
photo that isn't hidden, before the reveal too, on a screen nobody logs in
on).

When the hosts reveal a drop box or a save closes uploads (the lock, or a
window end moved into the past), albums.signals.guest_links_due is sent in
the transaction that saves it: its receivers email guests the album's link
once it commits. A reveal or window end that simply comes is caught by the
periodic task instead.
"""

import copy

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from albums import previews
from albums.access import AlbumNotFound, get_album_for_host_or_404
from albums.models import Album
from albums.signals import guest_links_due
from albums.words import count_words

CONFIRMED = "confirmed"
REVIEW = "review"
# Posted fields the confirmation page doesn't carry on.
NOT_CARRIED = {"csrfmiddlewaretoken", CONFIRMED, REVIEW}


def _counts(photos):
    """(photos, videos) in `photos` (a queryset)."""
    videos = photos.filter(content_type__startswith="video/").count()
    return photos.count() - videos, videos


def photo_words(photos):
    """What `photos` (a queryset) holds, counted: ("12 photos and 2 videos",
    14), ("1 video", 1), ("0 photos", 0)."""
    stills, videos = _counts(photos)
    return count_words(stills, videos), stills + videos


def shared_photos(album):
    """The photos a reveal shows everyone: those the hosts didn't hide."""
    return album.photos.filter(hidden=False)


def all_of(album):
    """("all 12 photos and 2 videos", 14) of what a reveal shows."""
    stills, videos = _counts(shared_photos(album))
    count = stills + videos
    if not count:
        return _("every photo and video as it is added"), count
    if count == 1:
        return (_("the only video") if videos else _("the only photo")), count
    # Translators: %(what)s is "12 photos", "2 videos" or "12 photos and 2
    # videos"; "Everyone with the code now sees all 12 photos."
    return _("all %(what)s") % {"what": count_words(stills, videos)}, count


def visibility_change(before, after, now):
    """What saving `after` over `before` does to what guests see now:
    "hide" (they stop seeing each other's photos), "show" (they see them
    all now), or None; and how many photos that is. None too when no photo
    would change hands."""
    hidden_before, hidden_after = before.photos_hidden(now), after.photos_hidden(now)
    if hidden_before == hidden_after:
        return None, 0
    count = shared_photos(before).count()
    if not count:
        return None, 0
    return ("hide" if hidden_after else "show"), count


def reviewing(request):
    """The confirmation page's "Change something first": the settings page
    again, with what was posted, nothing saved."""
    return request.method == "POST" and REVIEW in request.POST


def confirmation(request, album, form, now):
    """The page that asks first (200), if saving `form` over `album` would
    hide photos from guests or show them and the post doesn't say
    `confirmed`; else None. It carries the posted values on as hidden
    inputs, so confirming posts exactly what was checked."""
    if request.POST.get(CONFIRMED):
        return None
    after = form.instance
    change, _count = visibility_change(album, after, now)
    if change is None:
        return None
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_CARRIED
        for value in values
    ]
    return render(
        request,
        "albums/settings_confirm.html",
        {
            "album": album,
            "after": after,
            "change": change,
            # "show": "all 42 photos"; "hide": "42 photos" (each other's).
            "what": all_of(album)[0],
            "others": photo_words(shared_photos(album))[0],
            "carried": carried,
        },
    )


def changed_columns(album, form):
    """The settings `form` changes over `album` (the row as the request read
    it, before the form changed a copy of it): the columns a save writes."""
    after = form.instance
    return [
        field.name
        for field in Album._meta.concrete_fields
        if field.name in form.fields
        and field.value_from_object(after) != field.value_from_object(album)
    ]


def save_settings(request, album, form, now):
    """Save what `form` changes over `album` and say what it did; send
    guest_links_due if the save reveals the photos or closes uploads. Returns
    the album as saved.

    The row is locked and only the settings the post changes are written:
    whatever changed the album meanwhile (a new code, the trash, a cover,
    Reveal now, another host's save of other settings) stays as it is. An
    album trashed or merged away meanwhile is not found (404, nothing
    saved)."""
    columns = changed_columns(album, form)
    after = form.save(commit=False)
    with transaction.atomic():
        saved = Album.objects.select_for_update().filter(pk=album.pk).first()
        if saved is None:
            raise AlbumNotFound
        before = copy.copy(saved)
        for name in columns:
            setattr(saved, name, getattr(after, name))
        if columns:
            saved.save(update_fields=columns)
        change, _count = visibility_change(before, saved, now)
        newly_closed = not before.uploads_closed(now) and saved.uploads_closed(now)
        if newly_closed or (before.photos_hidden(now) and not saved.photos_hidden(now)):
            guest_links_due.send(sender=Album, album=saved)
    messages.success(request, " ".join(summary(before, saved, change, form, now)))
    return saved


def summary(before, after, change, form, now):
    """The sentences a save's message says, "Settings saved." first."""
    said = [_("Settings saved.")]
    moved = change or before.mode != after.mode or "reveal_at" in form.changed_moments
    if after.photos_hidden(now) and moved:
        if after.reveal_at is None:
            said.append(
                _("Drop box: guests see only their own photos until you reveal them.")
            )
        else:
            said.append(
                # Translators: %(when)s is a moment after "until", such as
                # "Sunday at 18:00".
                _("Drop box: guests see only their own photos until %(when)s.")
                % {"when": after.until_words(after.reveal_at)}
            )
    elif change == "show":
        said.append(
            _("Everyone with the code now sees %(what)s.") % {"what": all_of(after)[0]}
        )
    elif after.is_drop_box and after.reveal_at and moved:
        said.append(
            # Translators: %(when)s is a moment such as "on Sunday at 18:00".
            _("The reveal (%(when)s) has passed, so guests see all photos.")
            % {"when": after.in_words(after.reveal_at)}
        )
    if after.uploads_open and after.uploads_closed(now):
        if not before.uploads_closed(now):
            if refusal := after.window_refusal(now):
                said.append(refusal)
            said.append(
                _(
                    "The album is locked, just as if you had unticked Uploads open: "
                    "nobody can add photos."
                )
            )
    elif after.uploads_open and form.changed_moments & {
        "uploads_from",
        "uploads_until",
    }:
        if refusal := after.window_refusal(now):
            said.append(refusal)
        elif note := after.window_note(now):
            said.append(note)
    return said


def slideshow_link(request, album):
    """The hosts' slideshow link: the slideshow with the album's
    slideshow_token, which shows every photo that isn't hidden, before a
    drop box's reveal too. Absolute, to open on the party's screen."""
    path = reverse("slideshow", args=[album.code])
    return previews.absolute(request, f"{path}?key={album.slideshow_token}")


def settings_context(request, album):
    return {"slideshow_link": slideshow_link(request, album)}


@require_http_methods(["GET", "HEAD", "POST"])
def album_reveal(request, code):
    """Reveal a drop box now. GET: what it shows, and the button; POST:
    reveal_at becomes now, guest_links_due goes out with it, and the album
    says "Revealed". For an album that shows everything already, nothing
    changes."""
    album = get_album_for_host_or_404(request, code)
    what, _count = all_of(album)
    if request.method != "POST":
        return render(
            request,
            "albums/reveal.html",
            {"album": album, "hidden": album.photos_hidden(), "what": what},
        )
    with transaction.atomic():
        locked = Album.objects.select_for_update().get(pk=album.pk)
        revealed = locked.photos_hidden()
        if revealed:
            locked.reveal_at = timezone.now()
            locked.save(update_fields=["reveal_at"])
            guest_links_due.send(sender=Album, album=locked)
    if revealed:
        messages.success(
            request,
            _("Revealed: everyone with the code now sees %(what)s.") % {"what": what},
        )
    else:
        messages.info(
            request,
            _("Nothing to reveal: everyone with the code sees all photos already."),
        )
    return redirect(album)
