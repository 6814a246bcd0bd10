import secrets

from django.conf import settings

from albums.access import DEVICE_COOKIE, DEVICE_MAX_AGE, DEVICE_SALT


class DeviceCookieMiddleware:
    """Gives each browser a signed random device cookie with its first page,
    so typed-code lookups are limited per device (albums.access.device_key)
    rather than per address, which a whole venue's Wi-Fi shares."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if DEVICE_COOKIE not in request.COOKIES and response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            response.set_signed_cookie(
                DEVICE_COOKIE,
                secrets.token_urlsafe(16),
                salt=DEVICE_SALT,
                max_age=DEVICE_MAX_AGE,
                secure=not settings.DEBUG,
                httponly=True,
                samesite="Lax",
            )
        return response
