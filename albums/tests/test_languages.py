"""Which language a page speaks (core.languages): the person's choice (the
switcher's cookie), else their browser's Accept-Language, else the album's
language on its pages, else the site's."""

from django.conf import settings
from django.test import override_settings

from albums.models import Album
from albums.tests.base import AlbumTestCase, same_page


def lang_attribute(response):
    html = response.content.decode()
    start = html.index("<html lang=") + len('<html lang="')
    return html[start : html.index('"', start)]


class LanguageTestCase(AlbumTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.album.language = "fr"
        cls.album.save(update_fields=["language"])

    def test_no_preference_gets_the_site_language_off_albums(self):
        response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="")
        self.assertEqual(response["Content-Language"], settings.LANGUAGE_CODE)
        self.assertEqual(lang_attribute(response), settings.LANGUAGE_CODE)

    def test_no_preference_gets_the_album_language_on_its_pages(self):
        for url in (f"/a/{self.album.code}/", self.album.get_link_url()):
            response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="", follow=True)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["Content-Language"], "fr")
            self.assertEqual(lang_attribute(response), "fr")
            # The JavaScript catalog is asked for in the page's language.
            self.assertContains(response, "/jsi18n/?language=fr")

    def test_a_language_we_do_not_ship_falls_back_to_the_album(self):
        response = self.client.get(
            f"/a/{self.album.code}/", HTTP_ACCEPT_LANGUAGE="ja-JP,ja;q=0.9"
        )
        self.assertEqual(response["Content-Language"], "fr")

    def test_the_browser_language_beats_the_album(self):
        response = self.client.get(
            f"/a/{self.album.code}/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5"
        )
        self.assertEqual(response["Content-Language"], "de")
        self.assertIn("Accept-Language", response["Vary"])

    def test_the_switcher_beats_the_browser_and_keeps_the_album_url(self):
        url = f"/a/{self.album.code}/"
        response = self.client.post("/i18n/setlang/", {"language": "es", "next": url})
        self.assertRedirects(response, url, fetch_redirect_response=False)
        cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
        self.assertEqual(cookie.value, "es")
        self.assertEqual(cookie["samesite"], "Lax")
        response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        self.assertEqual(response["Content-Language"], "es")
        self.assertContains(response, '<option value="es" lang="es" selected>')

    def test_a_cookie_naming_no_shipped_language_is_ignored(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
        response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="it")
        self.assertEqual(response["Content-Language"], "it")

    def test_the_switcher_refuses_a_language_we_do_not_ship(self):
        response = self.client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
        self.assertNotIn(settings.LANGUAGE_COOKIE_NAME, response.cookies)

    def test_every_page_has_the_switcher(self):
        response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="nl")
        for code, name in [("en", "English"), ("de", "Deutsch"), ("pt", "Português")]:
            self.assertContains(response, f'<option value="{code}" lang="{code}"')
            self.assertContains(response, name)

    def test_an_unknown_code_answers_in_no_album_language(self):
        # The 404 of a wrong code must not tell, by its language, that a
        # deleted album's code (here: another album in French) exists.
        gone = Album.objects.create(name="Gone", user=self.bob, language="fr")
        code = gone.code
        gone.delete()
        deleted = self.client.get(f"/a/{code}/", HTTP_ACCEPT_LANGUAGE="")
        never = self.client.get("/a/ZZZZZZZZ/", HTTP_ACCEPT_LANGUAGE="")
        self.assertEqual(deleted["Content-Language"], settings.LANGUAGE_CODE)
        self.assertEqual(same_page(deleted.content), same_page(never.content))


@override_settings(LANGUAGE_CODE="de")
class SiteLanguageTestCase(AlbumTestCase):
    def test_the_site_language_is_a_setting(self):
        response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="")
        self.assertEqual(response["Content-Language"], "de")


class JavaScriptCatalogTestCase(AlbumTestCase):
    def test_the_catalog_follows_its_url_not_the_browser(self):
        response = self.client.get("/jsi18n/?language=de", HTTP_ACCEPT_LANGUAGE="fr")
        self.assertEqual(response.status_code, 200)
        self.assertIn("javascript", response["Content-Type"])
        self.assertIn("max-age=3600", response["Cache-Control"])
        self.assertContains(response, "django.gettext")

    def test_an_unknown_language_gets_the_browser_one(self):
        response = self.client.get(
            "/jsi18n/?language=../../etc", HTTP_ACCEPT_LANGUAGE=""
        )
        self.assertEqual(response.status_code, 200)
