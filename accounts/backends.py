"""The login backend: Django's ModelBackend with failed logins rate limited,
and an account's email accepted in place of its username."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import devices
from core import ratelimit


def username_for_login(typed):
    """The username to check for what was typed in a login form: itself when
    an account has that username, else the username of the one account with
    that email (whatever its case), else itself (no such account)."""
    User = get_user_model()
    if not typed or "@" not in typed:
        return typed
    accounts = User._default_manager
    if accounts.filter(**{User.USERNAME_FIELD: typed}).exists():
        return typed
    found = list(
        accounts.filter(email__iexact=typed.strip()).values_list(
            User.USERNAME_FIELD, flat=True
        )[:2]
    )
    return found[0] if len(found) == 1 else typed


class RateLimitedModelBackend(ModelBackend):
    """Django's ModelBackend with failed logins counted per (username, client),
    per username and per client; over a limit, authenticate() raises
    RateLimited, which the middleware answers with a 429. Covers every login
    form, the admin's included. Listed first in AUTHENTICATION_BACKENDS.

    A browser with a valid device cookie for the username (accounts.devices)
    is not subject to the per-username limit: its failures count against
    that device instead, so an attack on the username from elsewhere doesn't
    lock the user out of the devices they have logged in on before."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # Not a web login (shell, management command).
            return super().authenticate(request, username, password, **kwargs)
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        # An email logs in as its account (sign-up asks for an email, not a
        # username): from here on the account's username is what is checked
        # and what the limits count, so the two ways in share one allowance.
        username = username_for_login(username)
        name = (username or "").casefold()
        client = ratelimit.client_key(request)
        device = devices.device_for(request, username)
        keys = {"login-pair": (name, client)}
        if device is None:
            keys["login-user"] = name
        else:
            keys["login-device"] = device
        keys["login-client"] = client
        # Counted before the password is checked, so guesses sent together
        # get no more tries than the limits; given back if it is right.
        attempts = ratelimit.attempt_all(keys.items())
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            # Stops authenticate() here: the plain ModelBackend listed after
            # this one (for sessions that name it) would only hash again.
            raise PermissionDenied
        for counted in attempts:
            counted.refund()
        ratelimit.reset("login-pair", keys["login-pair"])
        if device is not None:
            ratelimit.reset("login-device", device)
        return user
