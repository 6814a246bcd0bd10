"""Dates and times as an album shows them: in the album's time zone (the
host's choice, Album.time_zone), in words a guest reads at a glance."""

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


@lru_cache
def time_zone_names():
    """Every IANA time zone name this machine knows, sorted."""
    return sorted(zoneinfo.available_timezones())


def zone(name):
    """The ZoneInfo called `name`, or the site's TIME_ZONE if there is none."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def in_words(moment, tz, now=None):
    """`moment` in time zone `tz` as a guest reads it after "Uploads close":
    "today at 18:00", "tomorrow at 18:00", "on Sunday at 18:00" within the
    coming week, "on 24 December at 18:00" further off, with the year if it
    isn't this one."""
    now = timezone.localtime(now or timezone.now(), tz)
    local = timezone.localtime(moment, tz)
    days = (local.date() - now.date()).days
    # A party's times read best on the 24-hour clock, in every language.
    time = formats.date_format(local, "H:i")
    if days == 0:
        return _("today at %(time)s") % {"time": time}
    if days == 1:
        return _("tomorrow at %(time)s") % {"time": time}
    if days == -1:
        return _("yesterday at %(time)s") % {"time": time}
    if 1 < days < 7:
        weekday = formats.date_format(local, "l")
        return _("on %(weekday)s at %(time)s") % {"weekday": weekday, "time": time}
    if local.year == now.year:
        # Translators: a date format (Django's date filter letters): day, month.
        date = formats.date_format(local, pgettext("day and month", "j F"))
    else:
        # Translators: a date format (Django's date filter letters): day, month, year.
        date = formats.date_format(local, pgettext("day, month and year", "j F Y"))
    return _("on %(date)s at %(time)s") % {"date": date, "time": time}
