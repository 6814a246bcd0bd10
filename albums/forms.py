from django import forms

from albums.models import Album


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Album code",
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
        error_messages={"required": "Type the album code the host gave you."},
    )


HOST_NAME_HELP = (
    'The album says "Hosted by" this name, for everyone with the code. Leave it '
    "empty to show no name."
)


class AlbumForm(forms.ModelForm):
    """A new album ("Name your event"): its name, and who hosts it (the
    account's display name unless changed; albums.views.album_create)."""

    class Meta:
        model = Album
        fields = ["name", "host_name"]
        labels = {"name": "Album name", "host_name": "Hosted by"}
        help_texts = {
            "name": "Guests see it at the top of the album and on the printed cards.",
            "host_name": HOST_NAME_HELP,
        }
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": "Sam & Alex's wedding"}),
            "host_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def clean_host_name(self):
        return " ".join(self.cleaned_data["host_name"].split())


class AlbumSettingsForm(forms.ModelForm):
    class Meta:
        model = Album
        fields = ["name", "host_name", "uploads_open", "guest_uploads", "keep_location"]
        labels = {
            "name": "Album name",
            "host_name": "Hosted by",
            "uploads_open": "Uploads open",
            "guest_uploads": "Guests without an account may upload",
            "keep_location": "Keep location in downloads",
        }
        help_texts = {
            "host_name": HOST_NAME_HELP,
            "uploads_open": (
                "Untick to lock the album: people can still look and download, "
                "but not add photos."
            ),
            "guest_uploads": "Untick to ask people to log in before they add photos.",
            "keep_location": (
                "Photos often record where they were taken (GPS). By default only you "
                "and each photo's uploader get that in the downloaded original; "
                "everyone else gets it without. Tick to let everyone with the code "
                "download the location too."
            ),
        }

    def clean_host_name(self):
        return " ".join(self.cleaned_data["host_name"].split())


class CoverForm(forms.Form):
    photo = forms.ModelChoiceField(
        queryset=None,
        label="Cover photo",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of this album's photos."},
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
        label="Album to merge into this one",
        empty_label="Choose an album",
        error_messages={"invalid_choice": "Choose one of your other albums."},
    )

    def __init__(self, *args, album, **kwargs):
        super().__init__(*args, **kwargs)
        # Only albums of the same owner: nobody merges someone else's photos in or out.
        self.fields["other"].queryset = Album.objects.filter(
            user_id=album.user_id
        ).exclude(pk=album.pk)
        self.fields["other"].label_from_instance = lambda other: (
            f"{other.name} ({other.display_code})"
        )
