from django.conf import settings

from albums.models import Album
from albums.tests.base import AlbumTestCase


class AlbumSettingsTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/settings/"

    def test_owner_and_staff_see_the_settings(self):
        for user in (self.alice, self.staff):
            with self.subTest(user=user):
                self.client.force_login(user)
                response = self.client.get(self.url)
                self.assertContains(response, "Settings for Alice&#x27;s party")
                self.assertContains(
                    response,
                    '<label for="id_uploads_open">Uploads open</label>',
                    html=True,
                )
                self.assertContains(response, "GPS")  # keep_location is explained
                self.assertContains(
                    response,
                    '<label for="id_host_name">Hosted by</label>',
                    html=True,
                )
                # New code and merge: links to the pages that ask first.
                self.assertContains(response, f'href="/a/{self.album.code}/new-code/"')
                self.assertContains(response, f'href="/a/{self.album.code}/merge/"')

    def test_others_get_the_same_404_as_an_unknown_code(self):
        unknown = self.client.get("/a/ZZZZZZZZ/settings/")
        for user in (None, self.bob, self.charlie):
            with self.subTest(user=user):
                self.login_as(user)
                response = self.client.get(self.url)
                self.assertContains(
                    response, "No album with that code.", status_code=404
                )
                post = self.client.post(
                    self.url, {"name": "Hacked", "uploads_open": ""}
                )
                self.assertEqual(post.status_code, 404)
        self.assertEqual(unknown.status_code, 404)
        self.album.refresh_from_db()
        self.assertEqual(self.album.name, "Alice's party")
        self.assertTrue(self.album.uploads_open)

    def test_rename_lock_deny_guests_keep_location(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url, {"name": "Renamed", "keep_location": "on"}
        )
        self.assertRedirects(response, self.url)
        album = Album.objects.get(pk=self.album.pk)
        self.assertEqual(album.name, "Renamed")
        self.assertFalse(album.uploads_open)
        self.assertFalse(album.guest_uploads)
        self.assertTrue(album.keep_location)
        self.client.post(
            self.url, {"name": "Renamed", "uploads_open": "on", "guest_uploads": "on"}
        )
        album.refresh_from_db()
        self.assertTrue(album.uploads_open)
        self.assertTrue(album.guest_uploads)
        self.assertFalse(album.keep_location)

    def test_name_is_required(self):
        self.client.force_login(self.alice)
        response = self.client.post(self.url, {"name": "", "uploads_open": "on"})
        self.assertContains(response, "This field is required.", status_code=400)
        self.album.refresh_from_db()
        self.assertEqual(self.album.name, "Alice's party")

    def test_code_cannot_be_set_by_the_form(self):
        self.client.force_login(self.alice)
        self.client.post(
            self.url, {"name": "X", "code": "ZZZZZZZZ", "user": self.bob.pk}
        )
        album = Album.objects.get(pk=self.album.pk)
        self.assertEqual(album.code, self.album.code)
        self.assertEqual(album.user, self.alice)


class HostedBySettingTestCase(AlbumTestCase):
    """The host chooses the name the album says it is "Hosted by"."""

    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/settings/"
        self.client.force_login(self.alice)

    def save(self, host_name):
        return self.client.post(
            self.url,
            {"name": "Alice's party", "host_name": host_name, "uploads_open": "on"},
        )

    def test_set_changed_and_cleared(self):
        self.assertRedirects(self.save("  Alice   and Tom "), self.url)
        self.album.refresh_from_db()
        self.assertEqual(self.album.host_name, "Alice and Tom")
        self.assertContains(self.client.get(self.url), 'value="Alice and Tom"')
        self.assertContains(
            self.client.get(self.album.get_absolute_url()), "Hosted by Alice and Tom"
        )
        self.save("")
        self.album.refresh_from_db()
        self.assertEqual(self.album.host_name, "")
        self.assertNotContains(
            self.client.get(self.album.get_absolute_url()), "Hosted by"
        )

    def test_at_most_60_characters(self):
        response = self.save("x" * 61)
        self.assertContains(response, "at most 60 characters", status_code=400)
        self.album.refresh_from_db()
        self.assertEqual(self.album.host_name, "")


class AlbumLanguageSettingTestCase(AlbumTestCase):
    """The host sets the album's language: what its pages speak to whoever
    asked for none of the languages PartyShots ships (core.languages)."""

    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/settings/"
        self.client.force_login(self.alice)

    def save(self, **fields):
        return self.client.post(self.url, {"name": "Alice's party", **fields})

    def test_the_settings_offer_every_language_in_the_album_group(self):
        response = self.client.get(self.url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(
            response, '<label for="id_language">Album language</label>', html=True
        )
        self.assertContains(
            response,
            "Guests whose browser asks for none of our languages see the album in "
            "this one.",
        )
        for code, name in settings.LANGUAGES:
            selected = " selected" if code == self.album.language else ""
            self.assertContains(
                response,
                f'<option value="{code}" lang="{code}"{selected}>{name}</option>',
                html=True,
            )
        # In "The album" group, after the time zone.
        html = response.content.decode()
        group = html.index("<legend>The album</legend>")
        self.assertLess(group, html.index('id="id_time_zone"'))
        self.assertLess(html.index('id="id_time_zone"'), html.index('id="id_language"'))
        self.assertLess(
            html.index('id="id_language"'), html.index("<legend>Who sees what</legend>")
        )

    def test_set_and_changed(self):
        self.assertRedirects(self.save(language="fr"), self.url)
        self.album.refresh_from_db()
        self.assertEqual(self.album.language, "fr")
        page = self.client.get(self.url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(
            page, '<option value="fr" lang="fr" selected>Français</option>', html=True
        )
        self.save(language="nl")
        self.album.refresh_from_db()
        self.assertEqual(self.album.language, "nl")
        # Its pages speak it to a browser that asks for no language we ship.
        self.client.logout()
        response = self.client.get(
            self.album.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja"
        )
        self.assertEqual(response["Content-Language"], "nl")

    def test_only_a_language_we_ship(self):
        for language in ("ja", "fr-xx", "english", "de\n"):
            with self.subTest(language=language):
                response = self.save(language=language, uploads_open="on")
                self.assertContains(
                    response,
                    "Choose one of the languages in the list.",
                    status_code=400,
                )
                self.album.refresh_from_db()
                self.assertEqual(self.album.language, settings.LANGUAGE_CODE)

    def test_a_post_without_it_keeps_the_language(self):
        Album.objects.filter(pk=self.album.pk).update(language="it")
        for fields in ({}, {"language": ""}):
            with self.subTest(fields=fields):
                self.assertRedirects(
                    self.save(host_name="Alice", uploads_open="on", **fields), self.url
                )
                self.album.refresh_from_db()
                self.assertEqual(self.album.language, "it")
                self.assertEqual(self.album.host_name, "Alice")

    def test_an_album_in_a_variant_shows_the_language_it_falls_to(self):
        # LANGUAGE_CODE may name a variant ("en-gb") of a language we ship.
        Album.objects.filter(pk=self.album.pk).update(language="de-at")
        response = self.client.get(self.url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(
            response,
            '<option value="de" lang="de" selected>Deutsch</option>',
            html=True,
        )
