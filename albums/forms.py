from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from albums import times
from albums.models import Album


class JoinForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Album code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocapitalize": "characters",
                "autocomplete": "off",
                "autocorrect": "off",
                "spellcheck": "false",
                "inputmode": "text",
                "placeholder": "K7QM-2XPA",
                "class": "code-input",
                "aria-describedby": "join-help",
            }
        ),
        error_messages={
            "required": gettext_lazy("Type the album code the host gave you.")
        },
    )


ALBUM_NAME = gettext_lazy("Album name")
# Translators: a label; the album says "Hosted by Sam and Alex".
HOSTED_BY = gettext_lazy("Hosted by")
HOST_NAME_HELP = gettext_lazy(
    'The album says "Hosted by" this name, for everyone with the code. Leave it '
    "empty to show no name."
)


class AlbumForm(forms.ModelForm):
    """A new album ("Name your event"): its name, and who hosts it (the
    account's display name unless changed; albums.views.album_create)."""

    # Any text: what isn't a known zone becomes the site's (clean_time_zone).
    time_zone = forms.CharField(
        required=False,
        widget=forms.HiddenInput(attrs={"data-time-zone": True}),
        initial=settings.TIME_ZONE,
    )

    class Meta:
        model = Album
        fields = ["name", "host_name", "time_zone"]
        labels = {"name": ALBUM_NAME, "host_name": HOSTED_BY}
        help_texts = {
            "name": gettext_lazy(
                "Guests see it at the top of the album and on the printed cards."
            ),
            "host_name": HOST_NAME_HELP,
        }
        widgets = {
            "name": forms.TextInput(
                # Translators: an example of an album's name.
                attrs={"placeholder": gettext_lazy("Sam & Alex's wedding")}
            ),
            "host_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def clean_host_name(self):
        return " ".join(self.cleaned_data["host_name"].split())

    def clean_time_zone(self):
        """The zone the browser said it is in, if this machine knows it;
        else the site's (settings.TIME_ZONE). The host changes it in the
        album's settings."""
        return known_time_zone(self.cleaned_data.get("time_zone"))


def zone_choices(album):
    """The zones the settings offer: the Area/City names and UTC (not the
    old aliases such as "GB", nor "localtime"), and the album's own."""
    names = [name for name in times.time_zone_names() if "/" in name or name == "UTC"]
    if album.time_zone not in names:
        names.append(album.time_zone)
    return names


def known_time_zone(name, default=None):
    """`name` if it is a time zone this machine knows, else `default` (the
    site's TIME_ZONE unless given)."""
    if name and name in times.time_zone_names():
        return name
    return default or settings.TIME_ZONE


def supported_language(code):
    """The language of settings.LANGUAGES that `code` is, or falls back to
    ("en-gb" is "en"); else the site's, or English if even that isn't one."""
    for candidate in (code, settings.LANGUAGE_CODE):
        try:
            return translation.get_supported_language_variant(candidate or "")
        except LookupError:
            continue
    return settings.LANGUAGES[0][0]


# How far from now a date the hosts set may be: a reveal or an upload window
# within two years (a mistyped year is caught), and the window no further back.
DATES_WITHIN = timedelta(days=2 * 365)
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
REVEAL_PASSED = gettext_lazy(
    # Translators: %(when)s is a moment such as "today at 18:00".
    "That time has passed (%(when)s). To show everyone the photos now, use "
    "Reveal now instead."
)


class LocalDateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local">: a date and time without a zone, which
    AlbumSettingsForm reads in the album's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_LOCAL)


class LanguageSelect(forms.Select):
    """Each language's name in its own language, marked so (lang="de"), as
    screen readers then pronounce it."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


def _to_the_minute(moment):
    return moment.replace(second=0, microsecond=0)


def _long_date(moment):
    """ "6 December 2028", as the language writes a day, month and year
    (albums.times.in_words's format)."""
    return formats.date_format(moment, pgettext("day, month and year", "j F Y"))


class AlbumSettingsForm(forms.ModelForm):
    """The album's settings. Dates and times are typed and shown in the
    album's time zone: a post reads them in the zone posted with them (if it
    is one this machine knows, else the album's), and a value with an offset
    ("2027-06-01T18:00+02:00") keeps it. A local time a clock change skips or
    repeats is refused with Django's message. The choices and dates a post
    leaves out keep their values (a date posted empty clears it), so a client
    that knows only the older fields changes nothing else."""

    KEPT_WHEN_MISSING = ("mode", "time_zone", "language", "notify")
    MOMENTS = ("reveal_at", "uploads_from", "uploads_until")
    # The form's groups on the page (templates/albums/settings.html); fields
    # in none of them come last, under "More".
    SECTIONS = [
        (
            gettext_lazy("The album"),
            ["name", "host_name", "time_zone", "language"],
        ),
        (gettext_lazy("Who sees what"), ["mode", "reveal_at"]),
        (
            gettext_lazy("Uploads"),
            ["uploads_open", "guest_uploads", "uploads_from", "uploads_until"],
        ),
        (gettext_lazy("Emails"), ["notify"]),
        (gettext_lazy("Downloads"), ["keep_location"]),
    ]

    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy(
            "The dates and times here and on the album are in this zone."
        ),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose a time zone from the list, such as Europe/Berlin or "
                "America/New_York."
            )
        },
    )
    # Each language named in itself (settings.LANGUAGES), as a switcher does.
    language = forms.ChoiceField(
        label=gettext_lazy("Album language"),
        required=False,
        choices=settings.LANGUAGES,
        widget=LanguageSelect,
        help_text=gettext_lazy(
            "Guests whose browser asks for none of our languages see the album "
            "in this one."
        ),
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of the languages in the list.")
        },
    )

    class Meta:
        model = Album
        fields = [
            "name",
            "host_name",
            "time_zone",
            "language",
            "mode",
            "reveal_at",
            "uploads_open",
            "guest_uploads",
            "uploads_from",
            "uploads_until",
            "notify",
            "keep_location",
        ]
        labels = {
            "name": ALBUM_NAME,
            "host_name": HOSTED_BY,
            "mode": gettext_lazy("Who sees the photos"),
            "reveal_at": gettext_lazy("Reveal the photos at"),
            # Translators: a checkbox's label.
            "uploads_open": gettext_lazy("Uploads open"),
            "uploads_from": gettext_lazy("Uploads open from"),
            "uploads_until": gettext_lazy("Uploads close at"),
            "guest_uploads": gettext_lazy("Guests without an account may upload"),
            "notify": gettext_lazy("Emails to the hosts about new photos"),
            "keep_location": gettext_lazy("Keep location in downloads"),
        }
        help_texts = {
            "host_name": HOST_NAME_HELP,
            "mode": gettext_lazy(
                "In the second mode each guest sees only the photos they add, "
                "until the reveal; the hosts see everything, and the slideshow "
                "is theirs."
            ),
            "reveal_at": gettext_lazy(
                "When guests see everyone's photos, if they only add. Leave it "
                "empty to reveal them yourself with Reveal now."
            ),
            "uploads_open": gettext_lazy(
                "Untick to lock the album: people can still look and download, "
                "but not add photos."
            ),
            "uploads_from": gettext_lazy("Leave it empty to take photos from now on."),
            "uploads_until": gettext_lazy(
                "After this the album locks by itself, as if you unticked "
                "Uploads open. Leave it empty for no end."
            ),
            "guest_uploads": gettext_lazy(
                "Untick to ask people to log in before they add photos."
            ),
            "notify": gettext_lazy(
                "At most one email per period to you and your co-hosts, listing "
                "the new photos and videos; none when nothing is new."
            ),
            "keep_location": gettext_lazy(
                "Photos often record where they were taken (GPS). By default only you "
                "and each photo's uploader get that in the downloaded original; "
                "everyone else gets it without. Tick to let everyone with the code "
                "download the location too."
            ),
        }
        widgets = {
            "mode": forms.RadioSelect,
            "notify": forms.RadioSelect,
            "reveal_at": LocalDateTimeInput(),
            "uploads_from": LocalDateTimeInput(),
            "uploads_until": LocalDateTimeInput(),
        }

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.fields["time_zone"].choices = [
            (name, name.replace("_", " ")) for name in zone_choices(self.instance)
        ]
        for name in self.KEPT_WHEN_MISSING:
            self.fields[name].required = False
        # An album made before the list changed shows the language it falls to.
        self.initial["language"] = supported_language(self.instance.language)
        zone = self.instance.time_zone.replace("_", " ")
        # Translators: %(zone)s is a time zone, such as "Europe/Berlin".
        in_zone = _("In %(zone)s time.") % {"zone": zone}
        for name in self.MOMENTS:
            field = self.fields[name]
            field.help_text = f"{field.help_text} {in_zone}".strip()
        # The dates a post changed (to the minute: the inputs show no seconds).
        self.changed_moments = set()

    def input_zone(self):
        """The zone typed dates are read in: the posted one if known, else
        the album's."""
        posted = self.data.get("time_zone") if self.is_bound else None
        return times.zone(known_time_zone(posted, self.instance.time_zone))

    def full_clean(self):
        with timezone.override(self.input_zone()):
            super().full_clean()

    def sections(self):
        """[(title, [bound fields])] in the page's order."""
        listed = {name for _title, names in self.SECTIONS for name in names}
        groups = [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.SECTIONS
        ]
        rest = [self[name] for name in self.fields if name not in listed]
        if rest:
            groups.append((_("More"), rest))
        return [(title, fields) for title, fields in groups if fields]

    def clean_host_name(self):
        return " ".join(self.cleaned_data["host_name"].split())

    def _kept(self, name):
        value = self.cleaned_data.get(name)
        return value if value not in (None, "") else getattr(self.instance, name)

    def clean_mode(self):
        return self._kept("mode")

    def clean_notify(self):
        return self._kept("notify")

    def clean_time_zone(self):
        return self._kept("time_zone")

    def clean_language(self):
        return self._kept("language")

    def _clean_moment(self, name):
        """The posted date, the stored one if the post left it out or gave
        the same minute, or a ValidationError for one too far off."""
        old = getattr(self.instance, name)
        if name not in self.data:
            return old
        value = self.cleaned_data.get(name)
        if value is None or old is None:
            if value is not old:
                self.changed_moments.add(name)
            if value is None:
                return None
        elif _to_the_minute(value) == _to_the_minute(old):
            return old
        else:
            self.changed_moments.add(name)
        zone = timezone.get_current_timezone()
        if value > self.now + DATES_WITHIN:
            limit = timezone.localtime(self.now + DATES_WITHIN, zone)
            raise ValidationError(
                _("That is more than two years ahead: choose a date before %(date)s.")
                % {"date": _long_date(limit)}
            )
        if name != "reveal_at" and value < self.now - DATES_WITHIN:
            limit = timezone.localtime(self.now - DATES_WITHIN, zone)
            raise ValidationError(
                _("That is more than two years ago: choose a date after %(date)s.")
                % {"date": _long_date(limit)}
            )
        return value

    def clean_reveal_at(self):
        value = self._clean_moment("reveal_at")
        if "reveal_at" in self.changed_moments and value and value <= self.now:
            when = times.in_words(value, timezone.get_current_timezone(), self.now)
            raise ValidationError(REVEAL_PASSED % {"when": when})
        return value

    def clean_uploads_from(self):
        return self._clean_moment("uploads_from")

    def clean_uploads_until(self):
        return self._clean_moment("uploads_until")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("uploads_from"), cleaned.get("uploads_until")
        if start and end and end <= start:
            self.add_error(
                "uploads_until",
                _(
                    "Uploads must close after they open: choose a closing time "
                    "after the opening time, or leave one of them empty."
                ),
            )
        return cleaned


class CoverForm(forms.Form):
    photo = forms.ModelChoiceField(
        queryset=None,
        label=gettext_lazy("Cover photo"),
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of this album's photos.")
        },
    )

    def __init__(self, *args, album, **kwargs):
        super().__init__(*args, **kwargs)
        # Any photo of this album that everyone may see; nothing from elsewhere.
        self.fields["photo"].queryset = album.photos.filter(hidden=False)


class MergeForm(forms.Form):
    """Which album to merge in: asked by GET (the page that says what the
    merge moves and deletes), then posted from that page."""

    other = forms.ModelChoiceField(
        queryset=None,
        label=gettext_lazy("Album to merge into this one"),
        empty_label=gettext_lazy("Choose an album"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of your other albums.")
        },
    )

    def __init__(self, *args, album, **kwargs):
        super().__init__(*args, **kwargs)
        self.album = album
        # Only albums of the same owner: nobody merges someone else's photos in or out.
        self.fields["other"].queryset = Album.objects.filter(
            user_id=album.user_id
        ).exclude(pk=album.pk)
        self.fields["other"].label_from_instance = lambda other: (
            f"{other.name} ({other.display_code})"
        )

    def clean_other(self):
        """Refused when one album hides its photos from guests (a drop box
        before its reveal, Album.photos_hidden) and the other doesn't: the
        merge would show the hidden ones, or hide the shown ones, at once."""
        other = self.cleaned_data["other"]
        now = timezone.now()
        here, there = self.album.photos_hidden(now), other.photos_hidden(now)
        if there and not here:
            raise ValidationError(
                _(
                    "%(album)s keeps its photos hidden from guests until its "
                    "reveal, and this album doesn't: reveal it first, or make both "
                    "albums the same kind."
                ),
                code="hidden_there",
                params={"album": other.name},
            )
        if here and not there:
            raise ValidationError(
                _(
                    "This album keeps its photos hidden from guests until its "
                    "reveal, and %(album)s doesn't: reveal this album first, or make "
                    "both albums the same kind."
                ),
                code="hidden_here",
                params={"album": other.name},
            )
        return other
