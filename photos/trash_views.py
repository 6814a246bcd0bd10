"""The trash pages (photos.trash): your Trash (trash/: your albums in the
trash, the trash of the albums you host, your photos deleted from other
albums) and an album's trash (a/<code>/trash/: what this person may restore
there, a guest's own uploads included). Restoring and "Delete now" are
POSTs; "Delete now" first shows a page that asks."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from albums.access import get_album_or_404
from albums.models import Album
from core.http import safe_next_url
from photos import guests, trash
from photos.models import Photo

PHOTOS_PER_PAGE = 60


def _with_until(photos, album=None):
    """Each photo with .until: until when it can be restored, in words."""
    for photo in photos:
        photo.until = trash.until_words(album or photo.album, photo.deleted_at)
    return photos


# Your Trash


@login_required
@require_safe
def trash_page(request):
    """Your albums in the trash (restore, delete now), the albums you host
    with photos in their trash (links to each album's trash), and your own
    photos deleted from albums you don't host (restore)."""
    user = request.user
    albums = list(
        Album.all_objects.filter(user=user, deleted_at__isnull=False)
        .with_stats()
        .select_related("thumbnail")
        .order_by("-deleted_at", "-pk")
    )
    for album in albums:
        album.until = trash.until_words(album, album.deleted_at)
    hosted = Album.objects.hosted_by(user)
    hosted_with_trash = list(
        Album.objects.filter(pk__in=hosted.values("pk"))
        .annotate(
            trashed=Count(
                "photos", filter=Q(photos__deleted_at__isnull=False), distinct=True
            )
        )
        .filter(trashed__gt=0)
        .order_by("name", "pk")
    )
    own = (
        Photo.all_objects.filter(
            user=user,
            deleted_at__isnull=False,
            trashed_by_host=False,  # a host's removal is theirs to undo
            album__deleted_at__isnull=True,
        )
        .exclude(album__in=hosted.values("pk"))
        .select_related("album")
        .order_by("-deleted_at", "-id")
    )
    page = Paginator(own, PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_until(list(page.object_list))
    return render(
        request,
        "photos/trash.html",
        {
            "albums": albums,
            "hosted_with_trash": hosted_with_trash,
            "page": page,
            "trash_days": settings.TRASH_DAYS,
        },
    )


def _own_trashed_album_or_404(request, album_id):
    """The requester's own album in the trash (its owner only: co-hosts and
    staff neither, staff restore from the admin); else 404."""
    return get_object_or_404(
        Album.all_objects, pk=album_id, user=request.user, deleted_at__isnull=False
    )


@login_required
@require_POST
def trash_album_restore(request, album_id):
    album = _own_trashed_album_or_404(request, album_id)
    try:
        trash.restore_album(album)
    except trash.Refused as refusal:
        messages.error(request, refusal.message)
        return redirect("trash")
    messages.success(
        request,
        _("Restored %(name)s: its code %(code)s, its link and its photos work again.")
        % {"name": album.name, "code": album.display_code},
    )
    return redirect(album)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def trash_album_delete(request, album_id):
    """GET: the page that asks; POST: delete the album in the trash for good."""
    album = _own_trashed_album_or_404(request, album_id)
    if request.method != "POST":
        # Its photos in the trash too: they all go.
        photo_count = Photo.all_objects.filter(album=album).count()
        return render(
            request,
            "photos/trash_delete.html",
            {
                "album": album,
                "photo_count": photo_count,
                "back": reverse("trash"),
            },
        )
    if trash.delete_album_now(album):
        messages.success(
            request,
            _("Deleted %(name)s for good, with its photos.") % {"name": album.name},
        )
    else:
        messages.error(
            request, _("%(name)s is no longer in the trash.") % {"name": album.name}
        )
    return redirect("trash")


# An album's trash


def _album_trash_context(request, album):
    guest_key = guests.key(request)
    is_host = album.is_hosted_by(request.user)
    photos = trash.restorable(album, request.user, guest_key, as_host=is_host)
    page = Paginator(photos.select_related("user"), PHOTOS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = _with_until(list(page.object_list), album)
    for photo in page.object_list:
        photo.album = album
    return {
        "album": album,
        "page": page,
        "is_host": is_host,
        "trash_days": settings.TRASH_DAYS,
    }


@require_safe
def album_trash(request, code):
    """The album's trashed photos this person may restore: all of them for
    the hosts, their own for an uploader (a guest's by their guest cookie);
    nothing for anyone else, who is told so."""
    album = get_album_or_404(request, code)
    return render(
        request, "photos/album_trash.html", _album_trash_context(request, album)
    )


def _restorable_or_404(request, album, photo_id):
    photos = trash.restorable(album, request.user, guests.key(request))
    return get_object_or_404(photos.select_related("user"), pk=photo_id)


@require_POST
def album_trash_restore(request, code, photo_id):
    """Restore one photo of the album's trash (the hosts, or its uploader):
    back where it was, or refused (409) with why."""
    album = get_album_or_404(request, code)
    photo = _restorable_or_404(request, album, photo_id)
    try:
        photo = trash.restore_photo(photo, as_host=album.is_hosted_by(request.user))
    except trash.Refused as refusal:
        messages.error(request, refusal.message)
        return render(
            request,
            "photos/album_trash.html",
            _album_trash_context(request, album),
            status=409,
        )
    album.refresh_from_db(fields=["thumbnail"])
    said = [
        trash.html_message(
            _('Restored %(name)s: it is back in <a href="%(url)s">%(album)s</a>.'),
            name=photo.filename,
            url=photo.viewer_url(),
            album=album.name,
        )
    ]
    if album.thumbnail_id == photo.pk:
        said.append(_("It is the album's cover again."))
    if photo.hidden:
        said.append(_("It is still hidden: only the hosts and its uploader see it."))
    # Sentences, one after another.
    messages.success(request, format_html_join(" ", "{}", ((each,) for each in said)))
    return redirect(safe_next_url(request, reverse("album_trash", args=[album.code])))


@require_http_methods(["GET", "HEAD", "POST"])
def album_trash_delete(request, code, photo_id):
    """The hosts delete a photo of the album's trash for good ("Delete now"):
    GET asks, POST deletes (its files once this commits). Anyone else: 404."""
    album = get_album_or_404(request, code)
    if not album.is_hosted_by(request.user):
        raise Http404(_("No such photo in this album's trash."))
    photo = _restorable_or_404(request, album, photo_id)
    back = reverse("album_trash", args=[album.code])
    if request.method != "POST":
        return render(
            request,
            "photos/trash_delete.html",
            {"album": album, "photo": photo, "back": back},
        )
    if trash.delete_photo_now(photo):
        messages.success(
            request, _("Deleted %(name)s for good.") % {"name": photo.filename}
        )
    else:
        messages.error(
            request, _("%(name)s is no longer in the trash.") % {"name": photo.filename}
        )
    return redirect(back)
