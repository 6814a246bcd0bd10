"""Counts in words, as pages and emails say what an album holds or what
was added: "12 photos", "1 video", "12 photos and 2 videos"."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def count_words(stills, videos):
    """ "12 photos", "1 video", "12 photos and 2 videos" ("0 photos" for none)."""
    photo_words = ngettext("%(count)s photo", "%(count)s photos", stills) % {
        "count": stills
    }
    video_words = ngettext("%(count)s video", "%(count)s videos", videos) % {
        "count": videos
    }
    if stills and videos:
        # Translators: "12 photos and 2 videos", what an album holds or what
        # was added: the two counts are "%(count)s photo(s)" and
        # "%(count)s video(s)".
        return _("%(photos)s and %(videos)s") % {
            "photos": photo_words,
            "videos": video_words,
        }
    return video_words if videos else photo_words
