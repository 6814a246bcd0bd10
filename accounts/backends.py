"""The login backend: Django's ModelBackend with failed logins rate limited."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import devices
from core import ratelimit


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
