from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from photos.models import Tag, TakedownRequest

DESCRIPTION_MAX_LENGTH = 2000


class GuestNameForm(forms.Form):
    guest_name = forms.CharField(
        label=gettext_lazy("Your name (optional)"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Shown next to your photos."),
    )


class DescriptionForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": ngettext_lazy(
                "A description can be at most %(limit_value)d character "
                "(it has %(show_value)d).",
                "A description can be at most %(limit_value)d characters "
                "(it has %(show_value)d).",
                "limit_value",
            )
        },
    )

    def save(self, photo):
        text = self.cleaned_data["description"].strip()
        if text:
            Tag.objects.update_or_create(
                photo=photo, key=Tag.DESCRIPTION, defaults={"value": text}
            )
        else:
            Tag.objects.filter(photo=photo, key=Tag.DESCRIPTION).delete()
        return text


class PhotoIdsField(forms.Field):
    """The ids of several photos, from checkboxes that share one name."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": gettext_lazy("Photo ids must be whole numbers.")
    }

    def to_python(self, value):
        try:
            return sorted({int(item) for item in value or ()})
        except (TypeError, ValueError):
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None


class BulkModerationForm(forms.Form):
    """Hide, unhide or delete photos the album's owner ticked in the grid."""

    MAX_PHOTOS = 500
    ACTIONS = {
        "hide": gettext_lazy("Hide selected"),
        "unhide": gettext_lazy("Unhide selected"),
        "delete": gettext_lazy("Delete selected"),
    }

    action = forms.ChoiceField(
        choices=ACTIONS.items(),
        error_messages={
            "required": gettext_lazy("Choose what to do with the selected photos."),
            "invalid_choice": gettext_lazy("Choose hide, unhide or delete."),
        },
    )
    photos = PhotoIdsField(
        error_messages={"required": gettext_lazy("Select at least one photo first.")}
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, album, **kwargs):
        super().__init__(*args, **kwargs)
        self.album = album

    def clean_photos(self):
        """The selected photos of THIS album; ids of other albums' photos (or of
        photos deleted meanwhile) are skipped, never acted on."""
        ids = self.cleaned_data["photos"]
        if len(ids) > self.MAX_PHOTOS:
            raise forms.ValidationError(
                ngettext(
                    "Select at most %(limit)s photo at a time (you selected %(count)s).",
                    "Select at most %(limit)s photos at a time (you selected "
                    "%(count)s).",
                    self.MAX_PHOTOS,
                )
                % {"limit": self.MAX_PHOTOS, "count": len(ids)}
            )
        photos = self.album.photos.filter(pk__in=ids)
        if not photos.exists():
            raise forms.ValidationError(
                _("None of the selected photos is in this album (any more).")
            )
        return photos


class TakedownForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why? (optional)"),
        required=False,
        max_length=TakedownRequest.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Only the album's host sees this."),
        error_messages={
            "max_length": ngettext_lazy(
                "Keep the reason to %(limit_value)d character (it has %(show_value)d).",
                "Keep the reason to %(limit_value)d characters (it has "
                "%(show_value)d).",
                "limit_value",
            )
        },
    )
