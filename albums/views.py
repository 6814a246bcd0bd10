import copy
import io
import ipaddress
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from albums import cohosts, modes, previews
from albums.access import (
    NO_ALBUM,
    LinkNotFound,
    album_for_link_token,
    find_album,
    get_album_for_host_or_404,
    get_album_for_owner_or_404,
    get_album_or_404,
    open_album_link,
)
from albums.forms import (
    AlbumForm,
    AlbumSettingsForm,
    CoverForm,
    JoinForm,
    MergeForm,
    supported_language,
)
from albums.models import Album, Subs
from core import languages
from core.storage import content_disposition

# The owner's cover chooser shows the album's photos a page at a time.
PHOTOS_PER_PAGE = 60


def _home(request, join_form=None, status=200):
    context = {
        "join_form": join_form or JoinForm(),
        "album_form": AlbumForm(),
    }
    if request.user.is_authenticated:
        # Two queries, however many albums. Albums they co-host are theirs
        # too (marked "Co-host", albums/_album_list.html).
        context["owned_albums"] = (
            Album.objects.hosted_by(request.user)
            .with_stats()
            .select_related("thumbnail")
            .order_by("-last_activity")
        )
        context["followed_albums"] = (
            Album.objects.filter(subs__user=request.user)
            .exclude(cohosts__user=request.user)
            .with_stats()
            .select_related("thumbnail")
            .order_by("-last_activity")
        )
    return render(request, "albums/home.html", context, status=status)


@require_safe
def home(request):
    return _home(request)


def join(request):
    """Go to the album for a typed code, or back to the home page with the error."""
    form = JoinForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return _home(request, join_form=form, status=400)
    album = find_album(request, form.cleaned_data["code"])
    if album is None:
        form.add_error("code", NO_ALBUM)
        return _home(request, join_form=form, status=404)
    return redirect(album)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def album_create(request):
    """The "Name your event" page, where sign-up leads: the album's name and
    who hosts it, the account's display name unless changed; then its Share
    page, the next thing a new album needs. The home page's quick form posts
    here with the name only: the album is hosted by the display name."""
    display_name = request.user.first_name[
        : Album._meta.get_field("host_name").max_length
    ]
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data.setdefault("host_name", display_name)
    form = AlbumForm(data, initial={"host_name": display_name})
    if request.method == "POST" and form.is_valid():
        album = form.save(commit=False)
        album.user = request.user
        # Guests who ask for none of our languages read it in the host's.
        album.language = supported_language(translation.get_language())
        album.save()
        messages.success(
            request,
            _("Album created. Its code is %(code)s: share it with your guests.")
            % {"code": album.display_code},
        )
        return redirect("album_share", album.code)
    return render(
        request,
        "albums/create.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def album_follow(request, code):
    album = get_album_or_404(request, code)
    # The owner and co-hosts have it on their home page already.
    if request.user.pk != album.user_id and not album.is_cohost(request.user):
        Subs.objects.get_or_create(album=album, user=request.user)
        messages.success(
            request,
            _("You follow %(album)s: it is on your home page.") % {"album": album.name},
        )
    return redirect(album)


@login_required
@require_POST
def album_unfollow(request, code):
    album = get_album_or_404(request, code)
    Subs.objects.filter(album=album, user=request.user).delete()
    messages.success(
        request, _("You no longer follow %(album)s.") % {"album": album.name}
    )
    return redirect(album)


def album_link(request, album):
    """The album's link, absolute, for sharing and the QR code: it carries the
    link token, so opening it counts against no lookup limit."""
    path = album.get_link_url()
    return (
        settings.SITE_URL + path
        if settings.SITE_URL
        else request.build_absolute_uri(path)
    )


@require_safe
def album_by_link(request, token):
    """Where the album's link and QR code lead: the album, for anyone. A chat
    app's crawler fetching a preview of the link gets a page of its own with
    the album's Open Graph tags instead of the redirect: it keeps no cookies,
    so the album page's address would count it as a typed code."""
    if previews.is_preview_crawler(request):
        album = album_for_link_token(token)
        if album is None:
            raise LinkNotFound
        # Crawlers mostly ask for no language: the preview speaks the album's.
        languages.use_album_language(request, album)
        response = render(request, "albums/link_preview.html", {"album": album})
    else:
        response = redirect(open_album_link(request, token))
    patch_vary_headers(response, ["User-Agent"])
    return response


# Printable cards (templates/albums/share.html, static/css/share.css): the
# values of ?card= and what the size picker calls them. A6 fills an A6 sheet,
# A5 an A5 sheet (the same card, larger), A4 holds four A6 cards to cut out.
CARD_SIZES = {
    "a6": gettext_lazy("A6 card (105 × 148 mm)"),
    "a5": gettext_lazy("A5 card (148 × 210 mm)"),
    "a4": gettext_lazy("Four A6 cards on one A4 sheet, to cut out"),
}


def _only_this_computer(link):
    """Whether `link` points at this machine's loopback address, which no
    guest's phone can open (SITE_URL unset, and the page opened locally)."""
    host = urlsplit(link).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _card_name(album):
    """The album's name on the cards, smaller when it is long: HTML to put in
    the card's translated headline ("Share your photos of …")."""
    long = " table-card-name-long" if len(album.name) > 36 else ""
    return format_html('<span class="table-card-name{}">{}</span>', long, album.name)


def _qr_code(link):
    return segno.make(link, error="m")


@require_safe
def album_share(request, code):
    """The album's link to send (the Web Share sheet, or Copy), its code, and
    printable cards with its QR code in three sizes."""
    album = get_album_or_404(request, code)
    link = album_link(request, album)
    qr = _qr_code(link).svg_inline(
        scale=8,
        border=2,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr-code",
        lineclass=None,
        title=_("QR code for %(link)s") % {"link": link},
    )
    site = urlsplit(link).netloc
    card = request.GET.get("card")
    if card not in CARD_SIZES:
        card = "a6"
    return render(
        request,
        "albums/share.html",
        {
            "album": album,
            "link": link,
            "site": site,
            "qr_svg": qr,
            "card": card,
            "card_sizes": CARD_SIZES.items(),
            "card_name": _card_name(album),
            "only_this_computer": _only_this_computer(link),
        },
    )


@require_safe
def album_qr(request, code):
    """The album's QR code as a PNG to download: for an invitation, a slide,
    a card of the host's own design."""
    album = get_album_or_404(request, code)
    png = io.BytesIO()
    _qr_code(album_link(request, album)).save(png, kind="png", scale=16, border=4)
    response = HttpResponse(png.getvalue(), content_type="image/png")
    # Translators: the name of the downloaded file, without its ".png".
    name = _("QR code for %(album)s") % {"album": album.name}
    response["Content-Disposition"] = content_disposition(f"{name}.png")
    return response


def album_settings(request, code):
    """The album's settings. A save that would hide photos from guests or
    show them (the mode, the reveal) asks first (albums.modes.confirmation);
    dates are shown and typed in the album's time zone."""
    album = get_album_for_host_or_404(request, code)
    now = timezone.now()
    # The form changes a copy: `album` stays as saved, to tell what a save
    # changes and to head the page.
    form = AlbumSettingsForm(request.POST or None, instance=copy.copy(album), now=now)
    if request.method == "POST" and form.is_valid() and not modes.reviewing(request):
        if (asked := modes.confirmation(request, album, form, now)) is not None:
            return asked
        saved = modes.save_settings(request, album, form, now)
        return redirect("album_settings", saved.code)
    followers = album.subs.select_related("user").order_by("created_at", "pk")
    with timezone.override(album.tzinfo):
        return render(
            request,
            "albums/settings.html",
            {
                "album": album,
                "form": form,
                "followers": followers,
                **cohosts.settings_context(request, album),
                **modes.settings_context(request, album),
            },
            status=400 if form.errors else 200,
        )


@require_POST
def album_follower_remove(request, code, follow_id):
    """The host takes an album off a follower's home page; they keep no access
    beyond what the code gives anyone."""
    album = get_album_for_host_or_404(request, code)
    follow = get_object_or_404(album.subs.select_related("user"), pk=follow_id)
    follow.delete()
    messages.success(
        request,
        _(
            "%(user)s no longer follows %(album)s: it is off their home page, and "
            "they can open it again only with the code or link."
        )
        % {"user": follow.user.get_username(), "album": album.name},
    )
    return redirect("album_settings", album.code)


def album_cover(request, code):
    album = get_album_for_host_or_404(request, code)
    form = CoverForm(request.POST or None, album=album)
    if request.method == "POST" and form.is_valid():
        album.thumbnail = form.cleaned_data["photo"]
        album.save(update_fields=["thumbnail"])
        messages.success(request, _("Cover photo changed."))
        return redirect("album_settings", album.code)
    photos = album.photos.filter(hidden=False).order_by("taken_at", "id")
    page = Paginator(photos, PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "albums/cover.html",
        {"album": album, "form": form, "page": page},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def album_new_code(request, code):
    """GET: what a new code stops (the code, the link and QR code, printed
    cards, open pages), and the choice to remove the followers. POST: a new
    code and link; with `remove_followers` (the page's default) the
    followers go too, since following is how someone with a leaked code keeps
    the album on their home page."""
    album = get_album_for_host_or_404(request, code)
    if request.method != "POST":
        followers = list(album.subs.select_related("user").order_by("created_at", "pk"))
        return render(
            request,
            "albums/new_code.html",
            {
                "album": album,
                "link": album_link(request, album),
                "followers": followers,
                "follower_names": [follow.user.get_username() for follow in followers],
            },
        )
    old = album.display_code
    with transaction.atomic():
        album.new_code()
        removed = 0
        if request.POST.get("remove_followers"):
            removed, _by_model = album.subs.all().delete()
    kept = album.subs.count()
    said = [
        _("New code: %(code)s. Links, QR codes and cards with %(old)s no longer work.")
        % {"code": album.display_code, "old": old}
    ]
    if removed:
        said.append(
            ngettext(
                "%(count)s follower removed.", "%(count)s followers removed.", removed
            )
            % {"count": removed}
        )
    if kept:
        said.append(
            ngettext(
                "%(count)s follower kept: they still see the album on their home page.",
                "%(count)s followers kept: they still see the album on their home "
                "page.",
                kept,
            )
            % {"count": kept}
        )
    else:
        said.append(
            _("Only you, and people you give the new code or link, can open it.")
        )
    messages.success(request, " ".join(said))
    return redirect("album_settings", album.code)


@require_http_methods(["GET", "HEAD", "POST"])
def album_merge(request, code):
    """Choose another album of the same owner (GET), see exactly what merging
    it in moves and deletes (GET with ?other=), then merge (POST)."""
    album = get_album_for_owner_or_404(request, code)
    if request.method == "POST":
        form = MergeForm(request.POST, album=album)
    elif "other" in request.GET:
        form = MergeForm(request.GET, album=album)
        if form.is_valid():
            other = form.cleaned_data["other"]
            preview = album.merge_preview(other)
            return render(
                request,
                "albums/merge_confirm.html",
                {
                    "album": album,
                    "other": other,
                    "preview": preview,
                    # "2 photos and 1 video", and how many that is.
                    "moving": modes.count_words(preview["photos"], preview["videos"]),
                    "moving_count": preview["photos"] + preview["videos"],
                    "other_link": album_link(request, other),
                },
            )
    else:
        form = MergeForm(album=album)
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["other"]
        moved, dropped, followers = album.merge(other)
        counts = {
            "album": other.name,
            "moved": ngettext("%(count)s photo moved", "%(count)s photos moved", moved)
            % {"count": moved},
            "dropped": ngettext(
                "%(count)s already here dropped",
                "%(count)s already here dropped",
                dropped,
            )
            % {"count": dropped},
            "followers": ngettext(
                "%(count)s new follower", "%(count)s new followers", followers
            )
            % {"count": followers},
        }
        if dropped:
            summary = _(
                # Translators: %(moved)s is "12 photos moved", %(dropped)s "3
                # already here dropped", %(followers)s "2 new followers".
                "Merged %(album)s into this album: %(moved)s, %(dropped)s, "
                "%(followers)s."
            )
        else:
            summary = _(
                # Translators: %(moved)s is "12 photos moved", %(followers)s "2
                # new followers".
                "Merged %(album)s into this album: %(moved)s, %(followers)s."
            )
        messages.success(request, summary % counts)
        return redirect(album)
    return render(
        request,
        "albums/merge.html",
        {"album": album, "form": form},
        status=400 if form.errors else 200,
    )


def album_delete(request, code):
    album = get_album_for_owner_or_404(request, code)
    if request.method == "POST":
        # To the trash (photos.trash, which albums doesn't import: the
        # album's own fields only): its owner restores it from Trash until
        # TRASH_DAYS have passed, then the purge deletes it and its files.
        album.trash()
        moved = _(
            # Translators: %(until)s is a moment such as "Sunday at 18:00".
            'Moved %(album)s to the trash: restore it from <a href="%(url)s">Trash</a> '
            "until %(until)s."
        )
        messages.success(
            request,
            # The translation is ours (trusted HTML); what it's given is escaped.
            mark_safe(
                moved
                % {
                    "album": conditional_escape(album.name),
                    "url": conditional_escape(reverse("trash")),
                    "until": conditional_escape(album.until_words(album.purge_at)),
                }
            ),
        )
        return redirect("home")
    return render(
        request,
        "albums/delete.html",
        {
            "album": album,
            "photo_count": album.photos.count(),
            "trash_days": settings.TRASH_DAYS,
        },
    )
