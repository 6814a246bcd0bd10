"""Link previews: what a chat app (WhatsApp, iMessage, Signal, Slack...) shows
for an album's link, from Open Graph tags on the album page and on the page
the link's own address gives those apps' crawlers (albums.views.album_by_link).

Every address in them is absolute and starts with SITE_URL when it is set: a
crawler has no page to resolve a relative one against. The image is the
album's cover through an address of ours that carries the link token
(photos.views.album_cover_image), so it never expires, needs no cookie and
counts against no lookup limit; it redirects to a fresh signed URL.
"""

import re

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

# The crawlers of apps that show a preview of a pasted link. iMessage
# announces itself as facebookexternalhit and Twitterbot, Signal as WhatsApp.
PREVIEW_AGENTS = re.compile(
    r"facebookexternalhit|facebot|twitterbot|whatsapp|slackbot|telegrambot|"
    r"discordbot|linkedinbot|skypeuripreview|mastodon|pinterest|redditbot|"
    r"embedly|iframely|vkshare|viber|snapchat|google-pagerenderer|bluesky",
    re.IGNORECASE,
)


def is_preview_crawler(request):
    return bool(PREVIEW_AGENTS.search(request.headers.get("User-Agent", "")))


def absolute(request, path):
    """`path` (or an already absolute URL) as an absolute URL on this site."""
    if "://" in path:
        return path
    if settings.SITE_URL:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path)


def description(album):
    if album.photos_hidden():
        return _(
            "Add your photos of %(album)s from your phone's browser: no app "
            "needed. Everyone's photos are revealed later."
        ) % {"album": album.name}
    if album.uploads_open:
        return _(
            "See everyone's photos of %(album)s and add yours from your "
            "phone's browser: no app needed."
        ) % {"album": album.name}
    return _("See and download everyone's photos of %(album)s.") % {"album": album.name}


def link_preview(request, album):
    """The Open Graph and Twitter card fields for `album` (no query: the
    album's own fields only)."""
    # A drop box before its reveal shows no guest's photo to a chat app either.
    has_cover = bool(album.thumbnail_id) and not album.photos_hidden()
    if has_cover:
        image = absolute(request, reverse("album_cover_image", args=[album.link_token]))
        image_alt = _("The cover photo of %(album)s") % {"album": album.name}
    else:
        image = absolute(request, static("icons/icon-512.png"))
        image_alt = "PartyShots"
    return {
        "title": album.name,
        "description": description(album),
        "url": absolute(request, album.get_link_url()),
        "image": image,
        "image_alt": image_alt,
        "large_image": has_cover,
    }
