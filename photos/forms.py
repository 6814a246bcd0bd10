from django import forms

from photos.models import Tag

DESCRIPTION_MAX_LENGTH = 2000


class GuestNameForm(forms.Form):
    guest_name = forms.CharField(
        label="Your name (optional)", max_length=60, required=False, help_text="Shown next to your photos."
    )


class DescriptionForm(forms.Form):
    description = forms.CharField(
        label="Description", max_length=DESCRIPTION_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "A description can be at most %(limit_value)d characters (it has %(show_value)d)."},
    )

    def save(self, photo):
        text = self.cleaned_data["description"].strip()
        if text:
            Tag.objects.update_or_create(photo=photo, key=Tag.DESCRIPTION, defaults={"value": text})
        else:
            Tag.objects.filter(photo=photo, key=Tag.DESCRIPTION).delete()
        return text
