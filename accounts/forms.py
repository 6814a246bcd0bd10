from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

User = get_user_model()


class SignupForm(UserCreationForm):
    """Username and password; email optional, only used to reset a forgotten password."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
        help_texts = {"email": "Optional. Only used to reset a forgotten password."}


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("username", "email")
        help_texts = {"email": "Optional. Only used to reset a forgotten password."}

    def clean_username(self):
        # Usernames differing only in case would be confusing on shared albums,
        # as in UserCreationForm.
        username = self.cleaned_data["username"]
        if (
            User.objects.filter(username__iexact=username)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError("A user with that username already exists.")
        return username


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                "That is not your password. Your account has not been deleted."
            )
        return password
