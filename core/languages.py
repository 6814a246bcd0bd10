"""Which language a person reads PartyShots in: their own choice (the
switcher on every page, kept in Django's language cookie), else their
browser's Accept-Language, else the album's language (the host's setting,
applied by albums.access once an album is found), else LANGUAGE_CODE. Album
URLs and codes stay the same in every language."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header


def _supported(code):
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def preferred_language(request):
    """The language this person asked for (cookie, then Accept-Language),
    or None if they asked for none we ship."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and (language := _supported(chosen)):
        return language
    for code, _quality in parse_accept_lang_header(
        request.headers.get("Accept-Language", "")
    ):
        if code != "*" and (language := _supported(code)):
            return language
    return None


def use(request, language):
    """Answer this request in `language`."""
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def use_album_language(request, album):
    """An album's pages are in its language for whoever asked for none."""
    if getattr(request, "preferred_language", "") is None and album.language:
        use(request, _supported(album.language) or settings.LANGUAGE_CODE)


class LanguageMiddleware:
    """Django's LocaleMiddleware, but one that tells views whether the person
    asked for a language at all (request.preferred_language), so an album
    page can fall back to the album's language rather than the site's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.preferred_language = preferred_language(request)
        use(request, request.preferred_language or settings.LANGUAGE_CODE)
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
