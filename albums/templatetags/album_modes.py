"""Who sees what, in templates (albums.modes).

{% album_time album moment %}: a moment as the album says it, in the album's
time zone and in words ("on Sunday at 18:00"), in a <time> element whose
datetime attribute gives it exactly (with the zone's offset).

{% upload_window album %}: "Uploads open <time>…</time>." before the upload
window, "Uploads closed <time>…</time>." after it, "Uploads close
<time>…</time>." during it (Album.window_note), else nothing.

{{ album|shown_cover:is_host }} (or :user): the album's cover, if this person may see
it: not a hidden photo, and in a drop box before its reveal only for the
hosts (the cover is one guest's photo like any other)."""

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def album_time(album, moment, until=False):
    """until=True: the words as they follow "until" ("until Sunday at
    18:00": Album.until_words)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, album.tzinfo)
    words = album.until_words(moment) if until else album.in_words(moment)
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(timespec="minutes"), words
    )


@register.filter
def shown_cover(album, viewer):
    """`viewer`: whether they host the album (is_host), or the user."""
    cover = album.thumbnail
    if cover is None or cover.hidden:
        return None
    if album.photos_hidden():
        is_host = viewer if isinstance(viewer, bool) else album.is_hosted_by(viewer)
        if not is_host:
            return None
    return cover


@register.simple_tag
def upload_window(album):
    now = timezone.now()
    # The sentences of Album.window_refusal and window_note, with a <time>.
    if album.uploads_from and now < album.uploads_from:
        sentence, moment = _("Uploads open %(when)s."), album.uploads_from
    elif album.uploads_until and now >= album.uploads_until:
        sentence, moment = _("Uploads closed %(when)s."), album.uploads_until
    elif album.window_note(now):
        sentence, moment = _("Uploads close %(when)s."), album.uploads_until
    else:
        return ""
    # The translation is escaped as text; the <time> element is ours.
    return mark_safe(conditional_escape(sentence) % {"when": album_time(album, moment)})
