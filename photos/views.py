import datetime
import json
import logging
import math
from urllib.parse import urlencode, urlsplit
from zipfile import ZIP_STORED

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import TooManyFilesSent
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe
from zipstream import ZipStream

from albums.access import (
    album_for_link_token,
    get_album_for_host_or_404,
    get_album_or_404,
)
from albums.models import Album, Subs
from albums.previews import absolute
from albums.words import count_words
from core import ratelimit, storage
from core.errors import NotFound, StorageUnavailable
from core.http import safe_next_url, wants_json
from photos import direct_uploads, downloads, guests, ingest, trash
from photos.forms import (
    BulkModerationForm,
    DescriptionForm,
    GuestNameForm,
    TakedownForm,
)
from photos.ingest import clean_filename
from photos.models import Photo, Tag, TakedownRequest

# Session keys: a guest's name and take-down requests. Which photos a guest
# added is on their rows (photos.guests), not in the session.
SESSION_GUEST_NAME = "guest_name"
SESSION_TAKEDOWN_IDS = "takedown_photo_ids"
JSON_PAGE_SIZE = 100
JSON_MAX_PAGE_SIZE = 200
PHOTOS_PER_PAGE = 60
# The album's two orders, both newest first (the photos just taken on top): by
# date taken, or by upload. The indexes photo_album_taken and
# photo_album_uploaded, (album, field, id), serve them scanned backwards.
SORT_FIELDS = {"taken": "taken_at", "uploaded": "created_at"}
SORTS = {sort: (f"-{field}", "-id") for sort, field in SORT_FIELDS.items()}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


logger = logging.getLogger(__name__)


def _get_photo_or_404(request, code, photo_id):
    """The album and one of its photos this person may see, and their guest
    key (photos.guests; "" without a guest cookie)."""
    album = get_album_or_404(request, code)
    guest_key = guests.key(request)
    photo = get_object_or_404(
        Photo.objects.visible_in(album, request.user, guest_key).select_related("user"),
        pk=photo_id,
    )
    return album, photo, guest_key


def _photo_json(photo):
    return {
        "id": photo.pk,
        "thumbnail_url": photo.thumbnail_url(),
        # For a grid tile's <img srcset sizes> ("" for an older photo).
        "srcset": photo.grid_srcset(),
        "sizes": Photo.GRID_SIZES,
        "viewer_url": photo.viewer_url(),
        "is_video": photo.is_video,
        "duration": photo.duration,
        "duration_label": photo.duration_label,
    }


def _source_type(content_type):
    """The type a <source> announces for a clip. Chrome and Firefox answer
    canPlayType("video/quicktime") with "" and would skip the source, though
    they play the H.264 MOV a phone records as they play an MP4."""
    return "video/mp4" if content_type == "video/quicktime" else content_type


def _video_limits():
    """The clip limits in words, for the upload form: "3 minutes and 500 MB"."""
    seconds = settings.VIDEO_MAX_SECONDS
    size = settings.VIDEO_MAX_BYTES // (1024 * 1024)
    minutes, rest = divmod(seconds, 60)
    if minutes and not rest:
        return ngettext(
            # Translators: the longest and largest video one may add, after
            # "MP4, MOV or WebM videos up to" on the upload form.
            "%(minutes)s minute and %(size)s MB",
            "%(minutes)s minutes and %(size)s MB",
            minutes,
        ) % {"minutes": minutes, "size": size}
    return ngettext(
        # Translators: the longest and largest video one may add, after
        # "MP4, MOV or WebM videos up to" on the upload form.
        "%(seconds)s second and %(size)s MB",
        "%(seconds)s seconds and %(size)s MB",
        seconds,
    ) % {"seconds": seconds, "size": size}


def _sort_param(request):
    sort = request.GET.get("sort")
    return sort if sort in SORTS else "taken"


def _sort_key(photo, sort):
    """Where `sort` puts the photo, as "<microseconds since 1970>.<id>": the
    grid tile's data-key, by which static/js/album.js places a new photo, and
    the cursor album_photos_json's `before` takes."""
    moment = getattr(photo, SORT_FIELDS[sort])
    return f"{(moment - EPOCH) // datetime.timedelta(microseconds=1)}.{photo.pk}"


def _after_key(sort, key):
    """A filter for the photos that `sort` puts after the one whose _sort_key
    is `key` (older ones: the order is newest first), or None for a key that
    is not one."""
    micros, _dot, pk = key.partition(".")
    try:
        moment = EPOCH + datetime.timedelta(microseconds=int(micros))
        pk = int(pk)
    except (ValueError, OverflowError):
        return None
    field = SORT_FIELDS[sort]
    return Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "id__lt": pk})


def _grid_json_url(album, sort, **params):
    """album_photos_json for the album page's grid, in `sort`'s order."""
    query = urlencode({"sort": sort, **params})
    return f"{reverse('album_photos_json', args=[album.code])}?{query}"


def _album_totals(album, photos, user, guest_key):
    """What the album page's header says of the photos this person sees, in
    one aggregate query: how many and how many of them are clips, what
    Download all weighs; and the sum and the largest of their ids, by which
    static/js/album.js tells photos added since from photos hidden or
    deleted (the slideshow's check)."""
    totals = photos.aggregate(
        count=Count("id"),
        videos=Count("id", filter=Q(content_type__startswith="video/")),
        download_size=downloads.download_size(album, user, guest_key),
        id_sum=Sum("id"),
        newest_id=Max("id"),
    )
    # PostgreSQL sums bigints as numeric; an empty album sums to None.
    totals["id_sum"] = int(totals["id_sum"] or 0)
    totals["newest_id"] = totals["newest_id"] or 0
    return totals


def _totals_json(album, totals):
    """The totals as the album's JSON gives them, with the header's words."""
    size = totals["download_size"] or 0
    return {
        "count": totals["count"],
        "id_sum": totals["id_sum"],
        "videos": totals["videos"],
        "newest_id": totals["newest_id"],
        "count_label": count_words(
            totals["count"] - totals["videos"], totals["videos"]
        ),
        "download_size": size,
        # As templates/albums/album.html writes it: "Download all (1.2 GB)".
        "download_label": (
            # Translators: the album's ZIP link, with how much it weighs.
            _("Download all (%(size)s)") % {"size": filesizeformat(size)}
            if size
            else _("Download all")
        ),
        "download_url": reverse("album_download", args=[album.code]),
    }


def _result_json(name, result):
    return {
        "file": name,
        "status": result.status,
        "message": result.message,
        "photo": _photo_json(result.photo) if result.photo else None,
    }


# How each ingest outcome answers over HTTP; a refusal for a quota has its own.
OUTCOME_STATUS = {
    ingest.ADDED: 201,
    ingest.DUPLICATE: 200,
    ingest.REJECTED: 400,
    ingest.UNAVAILABLE: 503,
}
REFUSAL_STATUS = {
    ingest.ALBUM_FULL: 403,
    ingest.ALBUM_BYTES_FULL: 413,
    ingest.GUEST_QUOTA: 403,
    ingest.ALBUM_GONE: 404,
}
# Formatted with {"limit": DATA_UPLOAD_MAX_NUMBER_FILES}.
TOO_MANY_FILES = ngettext_lazy(
    "You chose more than %(limit)s file: at most %(limit)s file can be sent at "
    "once. Choose fewer and send the rest afterwards.",
    "You chose more than %(limit)s files: at most %(limit)s files can be sent at "
    "once. Choose fewer and send the rest afterwards.",
    "limit",
)


def _outcome_status(outcome):
    return REFUSAL_STATUS.get(outcome.refusal) or OUTCOME_STATUS[outcome.status]


def _upload_refused(request, album, error, status):
    """The upload answer when no file was looked at: `error` says why."""
    if wants_json(request):
        return JsonResponse({"error": error, "results": []}, status=status)
    context = {
        "album": album,
        "album_url": album.get_absolute_url(),
        "error": error,
        "results": [],
    }
    return render(request, "photos/upload_results.html", context, status=status)


@csrf_exempt  # checked by csrf_protect in _upload, once the files are read
@require_POST
def upload(request, code):
    """Add the posted files (`photos`, one or many) to the album, each on its own.

    The files are read here first: a post of more than
    DATA_UPLOAD_MAX_NUMBER_FILES raises TooManyFilesSent when the body is
    read, and if the CSRF middleware read it first (for the form's token)
    the answer would be a bare "Bad Request (400)". Such a post gets a clear
    400 and changes nothing; every other post goes through the same CSRF
    check as any view (csrf_protect) before anything is stored."""
    try:
        request.FILES  # noqa: B018 (reads and parses the body)
    except TooManyFilesSent:
        album = get_album_or_404(request, code)
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return _upload_refused(request, album, TOO_MANY_FILES % {"limit": limit}, 400)
    return _upload(request, code)


@csrf_protect
def _upload(request, code):
    album = get_album_or_404(request, code)
    refusal = album.upload_refusal(request.user)
    files = request.FILES.getlist("photos")
    if refusal or not files:
        error = refusal or _("Choose at least one photo to upload.")
        return _upload_refused(request, album, error, 403 if refusal else 400)

    # Every file counts, per client and per album, before any is looked at:
    # one count of them all per limit (a cache that is down costs one wait).
    ratelimit.hit("upload-client", ratelimit.client_key(request), count=len(files))
    ratelimit.hit("upload-album", album.pk, count=len(files))

    guest_name = guest_key = ""
    if not request.user.is_authenticated:
        form = GuestNameForm(request.POST)
        if form.is_valid() and form.cleaned_data["guest_name"].strip():
            request.session[SESSION_GUEST_NAME] = form.cleaned_data[
                "guest_name"
            ].strip()
        guest_name = request.session.get(SESSION_GUEST_NAME, "")
        # The photos this browser adds are recorded as its own on their rows
        # (photos.guests), and the guest quota counts them there.
        guest_key = guests.ensure_key(request)

    results = []
    gone = None  # the album was deleted meanwhile: the rest aren't looked at
    for file in files:
        name = clean_filename(file.name)
        if gone is not None:
            result = ingest.Outcome(ingest.REJECTED, gone, refusal=ingest.ALBUM_GONE)
        else:
            result = ingest.add(
                album,
                file,
                user=request.user,
                guest_name=guest_name,
                guest_key=guest_key,
                filename=name,
            )
        if result.refusal == ingest.ALBUM_GONE:
            gone = result.message
        if (
            result.status == ingest.DUPLICATE
            and result.photo is not None
            and not result.photo.is_visible_to(request.user, guest_key)
        ):
            # A hidden photo: "already in the album", and nothing more of it.
            result.photo = None
        if result.status == ingest.REJECTED:
            result.message = f"{name}: {result.message}"
        results.append((name, result))

    # The most telling status of all the files': 404 (the album is gone), 503
    # (try again), a full album (413/403), a bad file (400), then 201 if any
    # was added, else 200.
    statuses = {_outcome_status(result) for _name, result in results}
    status = next(
        code for code in (404, 503, 413, 403, 400, 201, 200) if code in statuses
    )
    if wants_json(request):
        response = JsonResponse(
            {"results": [_result_json(name, result) for name, result in results]},
            status=status,
        )
    else:
        context = {
            "album": album,
            "album_url": album.get_absolute_url(),
            "results": results,
        }
        response = render(request, "photos/upload_results.html", context, status=status)
    return guests.keep_cookie(request, response, renew=bool(guest_key))


@require_safe
def album(request, code):
    album = get_album_or_404(request, code)
    if code != album.code:
        return redirect(album)
    sort = _sort_param(request)
    upload_refusal = album.upload_refusal(request.user)
    if request.user.is_authenticated or upload_refusal:
        guest_key = guests.key(request)
    else:
        # The guest cookie comes with the page, before its script sends
        # several files at once (each would make a cookie of its own).
        guest_key = guests.ensure_key(request)
    photos = (
        Photo.objects.visible_in(album, request.user, guest_key)
        .select_related("user")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.filter(key=Tag.DESCRIPTION))
        )
        .order_by(*SORTS[sort])
    )
    # One query for all the totals; the paginator takes the count instead of
    # counting again (Paginator.count is a cached property).
    totals = _album_totals(album, photos, request.user, guest_key)
    paginator = Paginator(photos, PHOTOS_PER_PAGE)
    paginator.count = totals["count"]
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for each in page.object_list:
        each.sort_key = _sort_key(each, sort)
    # The page's script goes on from its last tile as the guest scrolls
    # (keyset: photos added meanwhile don't shift what comes next).
    more_url = None
    if page.has_next():
        more_url = _grid_json_url(album, sort, before=page.object_list[-1].sort_key)
    is_host = album.is_hosted_by(request.user)
    # The owner and co-hosts have it on their home page without following.
    can_follow = (
        request.user.is_authenticated
        and request.user.pk != album.user_id
        and not album.is_cohost(request.user)
    )
    is_follower = (
        can_follow and Subs.objects.filter(album=album, user=request.user).exists()
    )
    response = render(
        request,
        "albums/album.html",
        {
            "album": album,
            "page": page,
            "count_label": count_words(
                totals["count"] - totals["videos"], totals["videos"]
            ),
            "download_size": totals["download_size"],
            "id_sum": totals["id_sum"],
            "newest_id": totals["newest_id"],
            "offset": page.start_index() - 1 if totals["count"] else 0,
            "more_url": more_url,
            "sort": sort,
            "is_host": is_host,
            "can_follow": can_follow,
            "is_follower": is_follower,
            "upload_refusal": upload_refusal,
            "upload_max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
            "video_limits": _video_limits(),
        },
    )
    return guests.keep_cookie(request, response)


@require_safe
def photo(request, code, photo_id):
    """One photo large, with its description, uploader, date and actions;
    Previous and Next in the album page's order (newest first, by date taken
    or with ?sort=uploaded by upload)."""
    album, photo, guest_key = _get_photo_or_404(request, code, photo_id)
    visible = Photo.objects.visible_in(album, request.user, guest_key)
    sort = _sort_param(request)
    field = SORT_FIELDS[sort]
    moment = getattr(photo, field)
    newer = Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "id__gt": photo.pk})
    older = Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "id__lt": photo.pk})
    previous = visible.filter(newer).order_by(field, "id").first()
    following = visible.filter(older).order_by(*SORTS[sort]).first()
    can_edit = photo.can_edit(request.user, guest_key)
    playback_url = playback_type = None
    if photo.is_video:
        playback_url = photo.playback_url_for(request.user, guest_key)
        playback_type = _source_type(photo.playback_for(request.user, guest_key)[1])
    return render(
        request,
        "photos/photo.html",
        {
            "album": album,
            "album_url": album.get_absolute_url(),
            "photo": photo,
            "playback_url": playback_url,
            "playback_type": playback_type,
            "can_edit": can_edit,
            "previous": previous,
            "next": following,
            "sort_query": "" if sort == "taken" else f"?sort={sort}",
            "description_form": DescriptionForm(
                initial={"description": photo.description}
            )
            if can_edit
            else None,
            "can_moderate": album.is_hosted_by(request.user),
            "takedown_form": TakedownForm(),
            "takedown_asked": photo.pk in request.session.get(SESSION_TAKEDOWN_IDS, ()),
        },
    )


@require_safe
def photo_download(request, code, photo_id):
    """Redirect to a short-lived URL of the original, as this person may have it."""
    _album, photo, guest_key = _get_photo_or_404(request, code, photo_id)
    if request.GET.get("as") == "jpeg":
        # The display rendition (no metadata), e.g. a HEIC photo as a JPEG.
        if photo.is_video:
            raise Http404(_("A video has no JPEG to download."))
        key, content_type, filename = photo.jpeg_download()
    else:
        key, content_type, filename = photo.download_for(request.user, guest_key)
    return redirect(storage.url(key, content_type=content_type, download_as=filename))


SAVE_MAX_FILES = 20


@require_safe
def album_save_json(request, code):
    """`?ids=1,2,3` (at most SAVE_MAX_FILES): for each of those photos this
    person may see, a short-lived URL of the file to save on their phone
    (Photo.save_for: their download, a HEIC photo as its JPEG), its content
    type and file name, in the order asked. static/js/album.js fetches them
    and hands them to the share sheet (navigator.share({files}))."""
    album = get_album_or_404(request, code)
    guest_key = guests.key(request)
    try:
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip()]
    except ValueError:
        # Translators: "ids" is the name of a parameter: keep it as it is.
        return JsonResponse({"error": _("ids must be whole numbers.")}, status=400)
    if not ids:
        return JsonResponse({"error": _("Choose at least one photo.")}, status=400)
    if len(ids) > SAVE_MAX_FILES:
        message = ngettext(
            "At most %(count)s photo at a time.",
            "At most %(count)s photos at a time.",
            SAVE_MAX_FILES,
        ) % {"count": SAVE_MAX_FILES}
        return JsonResponse({"error": message}, status=400)
    photos = {
        photo.pk: photo
        for photo in Photo.objects.visible_in(album, request.user, guest_key)
        .select_related("album")
        .filter(pk__in=ids)
    }
    files = []
    for pk in dict.fromkeys(ids):
        if pk not in photos:
            continue
        key, content_type, filename = photos[pk].save_for(request.user, guest_key)
        files.append(
            {
                "id": pk,
                "url": storage.url(key, content_type=content_type),
                "content_type": content_type,
                "filename": filename,
            }
        )
    return JsonResponse({"files": files})


def photo_delete(request, code, photo_id):
    album, photo, guest_key = _get_photo_or_404(request, code, photo_id)
    if not photo.can_edit(request.user, guest_key):
        return _forbidden(
            request,
            _(
                "Only the person who uploaded this photo or the album's host can "
                "delete it."
            ),
        )
    if request.method != "POST":
        return render(
            request,
            "photos/photo_delete.html",
            {
                "album": album,
                "photo": photo,
                "trash_days": settings.TRASH_DAYS,
                "is_uploader": photo.is_uploaded_by(request.user, guest_key),
            },
        )
    # To the trash (photos.trash): the hosts restore it from the album's
    # trash page until the purge, and so does its uploader unless a host
    # deleted it; a cover that went is replaced at once.
    trash.trash_photos(
        Photo.objects.filter(pk=photo.pk), by=request.user, guest_key=guest_key
    )
    photo.refresh_from_db(fields=["deleted_at"])
    if wants_json(request):
        return JsonResponse(
            {
                "deleted": photo_id,
                "trash_url": reverse("album_trash", args=[album.code]),
                "restorable_until": trash.purge_at(photo.deleted_at).isoformat(),
            }
        )
    messages.success(
        request, trash.moved_message(album, photo.filename, photo.deleted_at)
    )
    return redirect(album.get_absolute_url())


@require_POST
def photo_description(request, code, photo_id):
    album, photo, guest_key = _get_photo_or_404(request, code, photo_id)
    if not photo.can_edit(request.user, guest_key):
        return _forbidden(
            request,
            _(
                "Only the person who uploaded this photo or the album's host can "
                "describe it."
            ),
        )
    form = DescriptionForm(request.POST)
    if not form.is_valid():
        error = " ".join(form.errors["description"])
        if wants_json(request):
            return JsonResponse({"error": error}, status=400)
        return render(
            request,
            "photos/photo.html",
            {
                "album": album,
                "album_url": album.get_absolute_url(),
                "photo": photo,
                "can_edit": True,
                "description_form": form,
            },
            status=400,
        )
    description = form.save(photo)
    if wants_json(request):
        return JsonResponse({"description": description})
    return redirect(photo.viewer_url())


# Host tools: hide, bulk moderation and take-down requests. Only the album's
# hosts (its owner and co-hosts) and staff act; everyone else gets the same
# 404 as for an unknown code.


def _get_photo_for_host_or_404(request, code, photo_id):
    album = get_album_for_host_or_404(request, code)
    photo = get_object_or_404(album.photos.all(), pk=photo_id)
    return album, photo


def _set_hidden(album, photos, hidden):
    """Hide or unhide `photos` of `album`; a hidden cover is replaced. Returns how many."""
    with transaction.atomic():
        count = photos.update(hidden=hidden)
        Photo.objects.refresh_covers(Album.objects.filter(pk=album.pk))
    return count


def _delete_photos(album, photos):
    """Delete `photos` of `album` (their files go once this commits and a
    deleted cover is replaced, photos.signals; their tags and take-down
    requests by cascade). Returns how many."""
    _total, per_model = photos.delete()
    return per_model.get(Photo._meta.label, 0)


@require_POST
def photo_hide(request, code, photo_id, hidden):
    """Hide a photo (only the hosts, its uploader and staff see it) or show it again."""
    album, photo = _get_photo_for_host_or_404(request, code, photo_id)
    _set_hidden(album, Photo.objects.filter(pk=photo.pk), hidden)
    if wants_json(request):
        return JsonResponse({"id": photo.pk, "hidden": hidden})
    if hidden:
        messages.success(
            request,
            _("%(name)s is hidden: only the hosts, its uploader and staff see it.")
            % {"name": photo.filename},
        )
    else:
        messages.success(
            request,
            _("%(name)s is visible to everyone with the code again.")
            % {"name": photo.filename},
        )
    return redirect(safe_next_url(request, photo.viewer_url()))


@require_POST
def bulk_moderation(request, code):
    """Hide, unhide or delete the photos ticked in the album grid. Deleting
    first shows a confirmation page, which posts back here with `confirmed`."""
    album = get_album_for_host_or_404(request, code)
    form = BulkModerationForm(request.POST, album=album)
    back = safe_next_url(request, album.get_absolute_url())
    if not form.is_valid():
        return render(
            request,
            "photos/bulk_moderation.html",
            {"album": album, "form": form, "next": back},
            status=400,
        )
    action, photos = form.cleaned_data["action"], form.cleaned_data["photos"]
    if action == "delete" and not form.cleaned_data["confirmed"]:
        selected = list(photos.in_album_order())
        return render(
            request,
            "photos/bulk_moderation.html",
            {
                "album": album,
                "form": form,
                "photos": selected,
                "next": back,
                "trash_days": settings.TRASH_DAYS,
            },
        )
    if action == "delete":
        # To the trash, restorable by the hosts until the purge (not by the
        # uploaders of those that aren't this host's own).
        now = timezone.now()
        count = trash.trash_photos(
            photos, now=now, by=request.user, guest_key=guests.key(request)
        )
        messages.success(request, trash.moved_count_message(album, count, now))
    elif action == "hide":
        count = _set_hidden(album, photos, hidden=True)
        messages.success(
            request,
            ngettext(
                "Hid %(count)s photo: only the hosts, their uploaders and staff "
                "see them.",
                "Hid %(count)s photos: only the hosts, their uploaders and staff "
                "see them.",
                count,
            )
            % {"count": count},
        )
    else:
        count = _set_hidden(album, photos, hidden=False)
        messages.success(
            request,
            ngettext(
                "%(count)s photo visible to everyone with the code again.",
                "%(count)s photos visible to everyone with the code again.",
                count,
            )
            % {"count": count},
        )
    return redirect(back)


def _client_hash(request):
    """A keyed hash of the client's address: the same client gives the same
    hash, but the address can't be read back from it."""
    return salted_hmac(
        "photos.takedown.client", ratelimit.client_ip(request), algorithm="sha256"
    ).hexdigest()


@ratelimit.limit("takedown-client")
def photo_takedown(request, code, photo_id):
    """Anyone who can see a photo may ask the album's host to take it down."""
    album, photo, _guest_key = _get_photo_or_404(request, code, photo_id)
    context = {"album": album, "album_url": album.get_absolute_url(), "photo": photo}
    if request.method != "POST":
        return render(
            request, "photos/takedown.html", {**context, "form": TakedownForm()}
        )
    form = TakedownForm(request.POST)
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"error": " ".join(form.errors["reason"])}, status=400)
        return render(
            request, "photos/takedown.html", {**context, "form": form}, status=400
        )
    asked = set(request.session.get(SESSION_TAKEDOWN_IDS, ()))
    user = request.user if request.user.is_authenticated else None
    duplicate = photo.pk in asked or (
        user is not None
        and photo.takedown_requests.pending().filter(user=user).exists()
    )
    if not duplicate:
        TakedownRequest.objects.create(
            photo=photo,
            reason=form.cleaned_data["reason"].strip(),
            user=user,
            ip_hash=_client_hash(request),
        )
        request.session[SESSION_TAKEDOWN_IDS] = sorted(asked | {photo.pk})
    if wants_json(request):
        return JsonResponse(
            {"requested": photo.pk, "duplicate": duplicate},
            status=200 if duplicate else 201,
        )
    if duplicate:
        messages.info(
            request,
            _(
                "You have already asked for this photo to be taken down; the "
                "album's host has it."
            ),
        )
    else:
        messages.success(
            request,
            _("Thank you. The album's host has been asked to take this photo down."),
        )
    return redirect(photo.viewer_url())


@require_POST
def takedown_resolve(request, code, request_id, remove):
    """A host removes the photo of a pending take-down request, or dismisses the request."""
    album = get_album_for_host_or_404(request, code)
    takedown = get_object_or_404(
        TakedownRequest.objects.pending().select_related("photo"),
        pk=request_id,
        photo__album=album,
    )
    filename = takedown.photo.filename
    if remove:
        # For good, skipping the trash: the person in it asked for it gone
        # (from the trash too, if it was there).
        _delete_photos(album, Photo.all_objects.filter(pk=takedown.photo_id))
        messages.success(
            request,
            _("Removed %(name)s, with its files; its take-down requests are closed.")
            % {"name": filename},
        )
    else:
        takedown.dismissed_at = timezone.now()
        takedown.save(update_fields=["dismissed_at"])
        messages.success(
            request,
            _("Dismissed the request for %(name)s; the photo stays.")
            % {"name": filename},
        )
    return redirect("album_settings", album.code)


@require_safe
def album_photos_json(request, code):
    """The album's photos as JSON, a page at a time, for the slideshow and the
    album page's script (static/js/album.js).

    Without `sort` they come in upload order; `?after=<id>` gives only those
    added since, so a grid or a slideshow can pick up new ones. With
    `?sort=taken` or `?sort=uploaded` each item also has its grid `tile` (the
    album page's own HTML, templates/albums/_photo_tile.html) and its `key`
    in that order (newest first, as the album page shows them), and the page
    comes in that order, from the top or from `?before=<key>` on: the photos
    after that one, as the guest scrolls (keyset, so photos added meanwhile
    shift nothing). `?after=<id>` with a sort still gives those added since,
    in upload order, for the page to place each by its key.

    Every page also says how many photos this person can see in the whole
    album and the sum of their ids (one aggregate query): a client holding
    the same set computes the same two numbers, so a mismatch means photos
    were hidden, deleted or unhidden since. Then `?ids=1` lists just the
    visible ids in upload order (no URLs to sign: cheap even for 5,000). The
    same query gives what the album page's header says: `count_label`
    ("12 photos and 2 videos"), `download_label` ("Download all (1.2 GB)"),
    `download_size` and `download_url`, and `newest_id`.

    With the hosts' slideshow key (`?key=`, _slideshow_photos) it gives what
    the hosts' slideshow shows, and its `next` carries the key on."""
    album = get_album_or_404(request, code)
    guest_key = guests.key(request)
    photos, keyed = _slideshow_photos(request, album, guest_key)
    key = {"key": album.slideshow_token} if keyed else {}
    if request.GET.get("ids"):
        return JsonResponse(
            {"ids": list(photos.order_by("id").values_list("id", flat=True))}
        )
    sort = request.GET.get("sort")
    if sort is not None and sort not in SORTS:
        return JsonResponse(
            # Translators: "sort", "taken" and "uploaded" are a parameter and
            # its values: keep them as they are.
            {"error": _("sort must be taken or uploaded.")},
            status=400,
        )
    # A sorted page without `after` is the grid's next photos as it scrolls.
    keyset = sort is not None and "after" not in request.GET
    try:
        after = int(request.GET.get("after", 0))
        default = PHOTOS_PER_PAGE if keyset else JSON_PAGE_SIZE
        limit = min(max(int(request.GET.get("limit", default)), 1), JSON_MAX_PAGE_SIZE)
    except ValueError:
        return JsonResponse(
            # Translators: "after" and "limit" are parameters: keep them as they are.
            {"error": _("after and limit must be whole numbers.")},
            status=400,
        )
    selected = photos.select_related("user").prefetch_related("tags")
    if keyset:
        before = request.GET.get("before")
        if before is not None:
            older = _after_key(sort, before)
            if older is None:
                return JsonResponse(
                    # Translators: "before" is a parameter: keep it as it is.
                    {"error": _("before must be a photo's key.")},
                    status=400,
                )
            selected = selected.filter(older)
        selected = selected.order_by(*SORTS[sort])
    else:
        selected = selected.filter(pk__gt=after).order_by("id")
    page = list(selected[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    is_host = album.is_hosted_by(request.user)
    items = []
    for photo in page:
        item = {
            "id": photo.pk,
            "thumbnail_url": photo.thumbnail_url(),
            "srcset": photo.grid_srcset(),
            "sizes": Photo.GRID_SIZES,
            "display_url": photo.display_url(),
            "viewer_url": photo.viewer_url(),
            "taken_at": photo.taken_at.isoformat(),
            "uploader": photo.uploader_name,
            "description": photo.description,
            "width": photo.width,
            "height": photo.height,
            "is_video": photo.is_video,
            "duration": photo.duration,
        }
        if photo.is_video:
            # What this person may play: a guest gets the copy without location.
            item["video_url"] = photo.playback_url_for(request.user, guest_key)
            item["video_type"] = _source_type(
                photo.playback_for(request.user, guest_key)[1]
            )
        if sort:
            photo.sort_key = item["key"] = _sort_key(photo, sort)
            # This person's own: the grid places it at once, no button.
            item["mine"] = photo.is_uploaded_by(request.user, guest_key)
            item["tile"] = render_to_string(
                "albums/_photo_tile.html",
                {"album": album, "photo": photo, "sort": sort, "is_host": is_host},
            ).strip()
        items.append(item)
    next_url = None
    if more and keyset:
        next_url = _grid_json_url(
            album, sort, before=page[-1].sort_key, limit=limit, **key
        )
    elif more:
        extra = {"sort": sort, **key} if sort else key
        next_url = (
            f"{reverse('album_photos_json', args=[album.code])}"
            f"?{urlencode({'after': page[-1].pk, 'limit': limit, **extra})}"
        )
    totals = _album_totals(album, photos, request.user, guest_key)
    return JsonResponse(
        {"photos": items, "next": next_url, **_totals_json(album, totals)}
    )


@require_safe
def album_download(request, code):
    """The whole album as one ZIP, streamed as it is read from storage."""
    album = get_album_or_404(request, code)
    guest_key = guests.key(request)
    photos = Photo.objects.visible_in(album, request.user, guest_key).in_album_order()
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    names = set()
    entries = []
    for photo in photos.iterator(chunk_size=1000):
        key, _content_type, filename = photo.download_for(request.user, guest_key)
        size = photo.download_size_for(request.user, guest_key)
        taken = timezone.localtime(photo.taken_at)
        entries.append(
            (key, _unique_name(f"{taken:%Y-%m-%d %H.%M.%S} {filename}", names), size)
        )
    if any(size is None for _key, _name, size in entries):
        archive = ZipStream(compress_type=ZIP_STORED)
    objects = storage.iter_objects([key for key, _name, _size in entries])
    if objects:
        # Storage down shows before the answer starts (a 503 page), not as
        # a download that breaks off after a few bytes.
        objects[0] = _opened(objects[0], entries[0][0])
    for (_key, name, size), chunks in zip(entries, objects, strict=True):
        archive.add(chunks, name, size=size)
    # The generator, not the ZipStream, so closing the response (a client that
    # goes away) closes it and the storage stream it is reading at once.
    response = StreamingHttpResponse(iter(archive), content_type="application/zip")
    response["Content-Disposition"] = storage.content_disposition(_zip_filename(album))
    if archive.sized:
        response["Content-Length"] = len(archive)
    return response


def _opened(chunks, key):
    """The object's chunks (an iterator from storage.iter_objects) with the
    first one already read, so a storage failure raises StorageUnavailable
    now; closing the result closes the object's stream."""
    empty = object()
    try:
        first = next(chunks, empty)
    except Exception as exc:
        logger.exception("could not read storage object %s for a ZIP", key)
        raise StorageUnavailable from exc

    def rest():
        try:
            if first is not empty:
                yield first
                yield from chunks
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    return rest()


def _zip_filename(album):
    """The album's name as a ZIP's file name. A slash in a name is part of it
    ("Sam & Alex 12/06/2026"), not a folder: it becomes a dash."""
    name = album.name.replace("/", "-").replace("\\", "-")
    return f"{clean_filename(name, 'zip')}.zip"


# Slideshow timing, overridable per screen with ?every=<seconds per photo>
# and ?poll=<seconds between checks for new photos>, within these bounds.
SLIDESHOW_SECONDS = (6, 2, 600)
SLIDESHOW_POLL_SECONDS = (8, 1, 300)


def _milliseconds_param(request, name, bounds):
    """?name=<seconds> as milliseconds, within bounds (default, low, high)."""
    default, low, high = bounds
    try:
        seconds = float(request.GET.get(name, default))
    except ValueError:
        seconds = default
    if not math.isfinite(seconds):
        seconds = default
    return round(min(max(seconds, low), high) * 1000)


# Photos between the full-screen QR slides, overridable with ?qr=<photos>
# (0: none) within these bounds; the default is SLIDESHOW_QR_EVERY.
SLIDESHOW_QR_EVERY_BOUNDS = (0, 1000)


def _count_param(request, name, default, bounds):
    """?name=<whole number> within bounds (low, high); default if not a number."""
    low, high = bounds
    try:
        count = float(request.GET.get(name, default))
    except ValueError:
        count = default
    if not math.isfinite(count):
        count = default
    return min(max(int(count), low), high)


def _slideshow_qr_svg(link):
    """The album's link as an inline SVG QR code: the same code as the share
    page's cards and qr.png (error correction M), black on white with the full
    quiet zone of four modules drawn in, sized by CSS, so it stays sharp on a
    TV and scans from across a room."""
    svg = segno.make(link, error="m").svg_inline(
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="slideshow-qr-code",
        lineclass=None,
        title=_("QR code of this album's link"),
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _slideshow_photos(request, album, guest_key):
    """(photos, keyed) for the slideshow and its polls. With the album's
    hosts' slideshow key (?key=, compared in constant time): every photo
    that isn't hidden, whoever asks, before a drop box's reveal too (not
    visible_in(as_host=True): hidden photos stay off the party's screen).
    Without it (a wrong key is none): what this person may see."""
    key = request.GET.get("key", "")
    if key and constant_time_compare(key, album.slideshow_token):
        return album.photos.filter(hidden=False), True
    return Photo.objects.visible_in(album, request.user, guest_key), False


@require_safe
def slideshow(request, code):
    """The album full screen for a TV or laptop at the party. static/js/slideshow.js
    cycles through the photos and polls album_photos_json for new ones; without
    JavaScript the page shows the newest photo and reloads itself. The album's
    QR code (its link, which counts against no lookup limit) sits in a corner,
    fills the screen while the album is empty and, after every `qr_every`
    photos, for one slide.

    In a drop box before its reveal the slideshow is the hosts': anyone else
    gets a page that says when the photos will be revealed (403). The hosts'
    slideshow link (?key=, albums.modes.slideshow_link) shows every photo
    that isn't hidden to whoever opens it, a screen nobody logs in on."""
    album = get_album_or_404(request, code)
    photos, keyed = _slideshow_photos(request, album, guests.key(request))
    if not keyed and album.photos_hidden() and not album.is_hosted_by(request.user):
        return render(
            request,
            "photos/slideshow_waiting.html",
            {"album": album, "album_url": album.get_absolute_url()},
            status=403,
        )
    photos_url = reverse("album_photos_json", args=[album.code])
    if keyed:
        photos_url += "?" + urlencode({"key": album.slideshow_token})
    newest = (
        photos.select_related("user").prefetch_related("tags").order_by("-id").first()
    )
    return render(
        request,
        "photos/slideshow.html",
        {
            "album": album,
            "album_url": album.get_absolute_url(),
            "newest": newest,
            "site": urlsplit(settings.SITE_URL).netloc or request.get_host(),
            "photos_url": photos_url,
            "slide_ms": _milliseconds_param(request, "every", SLIDESHOW_SECONDS),
            "video_ms": settings.SLIDESHOW_VIDEO_SECONDS * 1000,
            "poll_ms": _milliseconds_param(request, "poll", SLIDESHOW_POLL_SECONDS),
            "qr_every": _count_param(
                request, "qr", settings.SLIDESHOW_QR_EVERY, SLIDESHOW_QR_EVERY_BOUNDS
            ),
            "qr_svg": _slideshow_qr_svg(absolute(request, album.get_link_url())),
        },
    )


def _unique_name(name, taken):
    """`name`, or `name (2)`, `name (3)`... before its extension, so no entry hides another."""
    candidate, number = name, 1
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    taken.add(candidate.lower())
    return candidate


def _forbidden(request, message):
    if wants_json(request):
        return JsonResponse({"error": message}, status=403)
    return render(request, "photos/forbidden.html", {"message": message}, status=403)


# Uploads straight to storage (photos.direct_uploads): the page's JavaScript
# starts each file, sends its parts to the signed URLs, finishes it, then
# polls its status. Every answer is JSON; an upload is found by its album's
# code and its own long token, so nobody else can sign, finish or read it.


def _posted(request):
    """The fields posted as a JSON object (the page) or as a form."""
    if request.content_type != "application/json":
        return request.POST.dict()
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise direct_uploads.Refused(_("Send a JSON object."))
    return body


def _whole_number(value):
    """`value` as an int (a JSON number or a form's digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _upload_json(upload):
    """An upload's state for the page. Its photo only if the sender may see
    it: not hidden, and in a drop box before its reveal only their own (a
    duplicate of another guest's photo says "already in the album", no more)."""
    photo = upload.photo
    if photo is not None and (photo.hidden or photo.deleted_at):
        photo = None  # hidden, or in the trash (photos.trash)
    if photo is not None and upload.album.photos_hidden():
        own = photo.user_id == upload.user_id and (
            upload.user_id is not None or photo.guest_key == upload.guest_key
        )
        photo = photo if own else None
    return {
        "token": upload.token,
        "status": upload.status,
        "message": upload.message,
        "size": upload.size,
        "parts": upload.parts,
        "part_size": upload.part_size,
        "photo": _photo_json(photo) if photo else None,
    }


def _refused(refusal):
    return JsonResponse({"error": refusal.message}, status=refusal.status)


def _get_upload_or_404(request, code, token):
    album = get_album_or_404(request, code)
    return album, get_object_or_404(album.uploads.select_related("photo"), token=token)


@require_POST
def upload_start(request, code):
    """Announce one file ({"name", "size", "type"}); the answer says where
    its bytes go (sign each part, then finish)."""
    album = get_album_or_404(request, code)
    try:
        body = _posted(request)
        ratelimit.hit("upload-client", ratelimit.client_key(request))
        ratelimit.hit("upload-album", album.pk)
        guest_name = ""
        if not request.user.is_authenticated:
            if str(body.get("guest_name", "")).strip():
                request.session[SESSION_GUEST_NAME] = str(body["guest_name"]).strip()[
                    :60
                ]
            guest_name = request.session.get(SESSION_GUEST_NAME, "")
        size = _whole_number(body.get("size"))
        upload = direct_uploads.start(
            album,
            user=request.user,
            guest_name=guest_name,
            guest_key=""
            if request.user.is_authenticated
            else guests.ensure_key(request),
            filename=str(body.get("name", "")),
            size=-1 if size is None else size,
            content_type=str(body.get("type", "")),
        )
    except direct_uploads.Refused as refusal:
        return _refused(refusal)
    base = reverse("upload_status", args=[album.code, upload.token])
    response = JsonResponse(
        {
            **_upload_json(upload),
            "sign_url": base + "sign/",
            "parts_url": base + "parts/",
            "finish_url": base + "finish/",
            "status_url": base,
        },
        status=201,
    )
    guests.keep_cookie(request, response, renew=True)
    return response


@require_POST
def upload_sign(request, code, token):
    """A signed URL for one part ({"part": n})."""
    _album, upload = _get_upload_or_404(request, code, token)
    try:
        number = _whole_number(_posted(request).get("part"))
        if number is None:
            raise direct_uploads.Refused(_("Say which part, as a number."))
        return JsonResponse(direct_uploads.sign(upload, number))
    except direct_uploads.Refused as refusal:
        return _refused(refusal)


@require_safe
def upload_parts(request, code, token):
    """The parts storage already has, for resuming after a dropped connection."""
    _album, upload = _get_upload_or_404(request, code, token)
    return JsonResponse({"parts": direct_uploads.sent_parts(upload)})


@require_POST
def upload_finish(request, code, token):
    """Every part is sent: the file goes to a worker to be checked (202)."""
    _album, upload = _get_upload_or_404(request, code, token)
    try:
        upload = direct_uploads.finish(upload)
    except direct_uploads.Refused as refusal:
        return _refused(refusal)
    return JsonResponse(_upload_json(upload), status=202)


@require_safe
def upload_status(request, code, token):
    """Where the file is: pending, processing, added, duplicate or rejected."""
    _album, upload = _get_upload_or_404(request, code, token)
    return JsonResponse(_upload_json(upload))


@require_POST
def upload_guest_name(request, code):
    """A guest's name ({"guest_name"}), given or changed on the upload card
    (it asks once, after the first files are chosen, and uploads start at
    once): remembered in the session for the uploads to come, and given to
    this browser's uploads and photos in this album that went without one
    (those started before it was typed). Names already given are kept, so a
    phone passed to a friend who types theirs renames nothing of the first."""
    album = get_album_or_404(request, code)
    if request.user.is_authenticated:
        return JsonResponse({"error": _("You add photos as your account.")}, status=400)
    try:
        form = GuestNameForm({"guest_name": _posted(request).get("guest_name", "")})
    except direct_uploads.Refused as refusal:
        return _refused(refusal)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(form.errors["guest_name"])}, status=400)
    name = form.cleaned_data["guest_name"].strip()
    if not name:
        request.session.pop(SESSION_GUEST_NAME, None)
        return JsonResponse({"guest_name": ""})
    request.session[SESSION_GUEST_NAME] = name
    if key := guests.key(request):
        # Uploads first: one a worker is adding holds its row, and waiting for
        # it here means its photo is there to be named next.
        unnamed = {"user": None, "guest_key": key, "guest_name": ""}
        album.uploads.in_flight().filter(**unnamed).update(guest_name=name)
        album.photos.filter(**unnamed).update(guest_name=name)
    return JsonResponse({"guest_name": name})


@require_safe
def album_cover_image(request, token):
    """The album's cover for link previews (og:image): a stable address of
    ours, by the album's link token, so a chat app's crawler gets it without
    cookies and without counting against any lookup limit. Redirects (302,
    cached 5 minutes, well within the signed URL's life) to a fresh signed URL
    of the cover's display rendition; 404 when the album has no cover."""
    album = album_for_link_token(token)
    cover = album and album.thumbnail
    # A drop box before its reveal: no guest's photo for link previews.
    if cover is None or cover.hidden or album.photos_hidden():
        raise NotFound(_("This album has no cover photo."))
    response = redirect(absolute(request, cover.display_url()))
    response["Cache-Control"] = "public, max-age=300"
    # No body, so no type: nor the device cookie that comes with HTML
    # (albums.middleware), which a shared cache must not hand to others.
    del response["Content-Type"]
    return response
