import secrets

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

User = get_user_model()

# A display name fits an album's "Hosted by" (albums.models.Album.host_name).
NAME_MAX_LENGTH = 60
NAME_HELP = gettext_lazy(
    'Your new albums say "Hosted by" this name. You can change it for each album.'
)
EMAIL_TAKEN = gettext_lazy(
    "An account with this email already exists. Log in, or reset your password "
    "if you have forgotten it."
)


def email_taken(email, exclude_pk=None):
    """Whether another account has this email, whatever its case: an email
    logs in (accounts.backends), so it must name one account."""
    accounts = User._default_manager.filter(email__iexact=email)
    if exclude_pk is not None:
        accounts = accounts.exclude(pk=exclude_pk)
    return accounts.exists()


def unused_username(name):
    """A username made from a display name ("Sam & Alex" gives sam-alex, then
    sam-alex-2 ... if taken, whatever the case): what the account is listed
    as, and a second way to log in besides the email. Never the email, which
    would then show wherever a username does."""
    base = slugify(name, allow_unicode=True)[:30].strip("-_") or "host"
    taken = {
        username.casefold()
        for username in User._default_manager.filter(
            username__istartswith=base
        ).values_list("username", flat=True)
    }
    for candidate in [base] + [f"{base}-{n}" for n in range(2, 100)]:
        if candidate.casefold() not in taken:
            return candidate
    return f"{base}-{secrets.token_hex(3)}"


def name_field():
    return forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=NAME_MAX_LENGTH,
        help_text=NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def _too_similar(verbose_name):
    """What to say of a password too similar to the model's field called
    `verbose_name` (as the similarity validator names it, in the request's
    language), for the fields this form asks for: "your name" rather than
    "the first name". None for another field (Django's own words then)."""
    fields = User._meta
    if verbose_name == str(fields.get_field("first_name").verbose_name):
        return _("The password is too similar to your name.")
    if verbose_name == str(fields.get_field("email").verbose_name):
        return _("The password is too similar to your email.")
    return None


def _in_their_words(error):
    """The password validators' errors, "too similar to the first name"
    said as "too similar to your name"."""
    errors = []
    for each in error.error_list:
        if each.code == "password_too_similar":
            field = str((each.params or {}).get("verbose_name", ""))
            message = _too_similar(field)
            if message is not None:
                each = forms.ValidationError(message, code=each.code)
        errors.append(each)
    return forms.ValidationError(errors)


class SignupForm(forms.ModelForm):
    """A name (what new albums say they are "Hosted by"), an email (to log in
    and to reset a forgotten password) and one password, which the page can
    show while it is typed (static/js/password.js) instead of asking for it
    twice. The password validators (settings.AUTH_PASSWORD_VALIDATORS) judge
    it as before, against the name and email too. The username is made from
    the name (unused_username)."""

    first_name = name_field()
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        help_text=gettext_lazy(
            "You log in with it. We only write to it to reset a forgotten password."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": gettext_lazy("Type your email: you log in with it.")
        },
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        help_text=gettext_lazy(
            "At least 8 characters; not a common password, nor only numbers."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": gettext_lazy("Choose a password.")},
    )

    class Meta:
        model = User
        fields = ("first_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].error_messages["required"] = _(
            "Type your name: guests see it on your albums."
        )
        if not self.is_bound:
            self.fields["first_name"].widget.attrs["autofocus"] = True

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_email(self):
        email = User._default_manager.normalize_email(self.cleaned_data["email"])
        if email_taken(email):
            raise forms.ValidationError(EMAIL_TAKEN)
        return email

    def _post_clean(self):
        super()._post_clean()
        # After the model's own checks, as Django's UserCreationForm does, so
        # the similarity validator compares with this name and email.
        password = self.cleaned_data.get("password")
        if password:
            # Judged against what was typed: the username, made from the
            # name, is given once the password passes.
            self.instance.username = ""
            try:
                password_validation.validate_password(password, self.instance)
            except forms.ValidationError as error:
                self.add_error("password", _in_their_words(error))
            self.instance.username = unused_username(self.instance.first_name)
        # The first field with a mistake has the focus when the page comes
        # back: a screen reader reads its label and its error together.
        for name, field in self.fields.items():
            if name in self.errors:
                field.widget.attrs["autofocus"] = True
                break

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password"])
        if commit:
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                # Another sign-up took the same name since the check.
                user.username = f"{user.username}-{secrets.token_hex(3)}"
                user.save()
        return user


class LoginForm(AuthenticationForm):
    """Django's login form, with the email as the way in (the username still
    works: accounts.backends)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "That email or username and password don't match an account. "
            "Check them and try again (the password is case-sensitive)."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email or username")


class AccountForm(forms.ModelForm):
    first_name = name_field()

    class Meta:
        model = User
        fields = ("first_name", "username", "email")
        help_texts = {
            "email": gettext_lazy(
                "You can log in with it, and reset a forgotten password."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = False
        self.fields["first_name"].help_text = _('New albums say "Hosted by" this name.')

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email and email_taken(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN)
        return email

    def clean_username(self):
        # Usernames differing only in case would be confusing on shared albums,
        # as in UserCreationForm.
        username = self.cleaned_data["username"]
        if (
            User.objects.filter(username__iexact=username)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(_("A user with that username already exists."))
        return username


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
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
                _("That is not your password. Your account has not been deleted.")
            )
        return password
