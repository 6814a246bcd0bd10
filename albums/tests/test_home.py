from django.db import connection
from django.test.utils import CaptureQueriesContext

from albums.models import Album, Subs
from albums.tests.base import AlbumTestCase, bulk_photos, store_photo


class HomeTestCase(AlbumTestCase):
    def test_anonymous_sees_the_code_field_and_no_dashboard(self):
        response = self.client.get("/")
        self.assertContains(
            response, '<label for="id_code">Album code</label>', html=True
        )
        self.assertContains(response, "autofocus")
        self.assertContains(response, 'autocapitalize="characters"')
        self.assertContains(response, 'autocomplete="off"')
        self.assertContains(response, 'spellcheck="false"')
        self.assertContains(response, 'inputmode="text"')
        self.assertContains(response, "Join")
        self.assertNotContains(response, "My albums")

    def test_owner_sees_owned_albums_with_stats(self):
        photo = store_photo(self.album, user=self.alice)
        self.album.thumbnail = photo
        self.album.save()
        self.client.force_login(self.alice)
        response = self.client.get("/")
        self.assertContains(response, "My albums")
        self.assertEqual(list(response.context["owned_albums"]), [self.album])
        self.assertEqual(response.context["owned_albums"][0].photo_count, 1)
        self.assertContains(response, "1 photo ")
        self.assertContains(response, photo.tlink)  # the cover's signed thumbnail URL
        self.assertContains(response, self.album.get_absolute_url())
        self.assertEqual(list(response.context["followed_albums"]), [])

    def test_follower_sees_followed_album(self):
        self.client.force_login(self.charlie)
        response = self.client.get("/")
        self.assertEqual(list(response.context["followed_albums"]), [self.album])
        self.assertContains(response, "Alice&#x27;s party")
        self.assertEqual(list(response.context["owned_albums"]), [])

    def test_stranger_sees_empty_dashboard(self):
        self.client.force_login(self.bob)
        response = self.client.get("/")
        self.assertContains(response, "You have no albums yet")
        self.assertContains(response, "You follow no albums yet")
        self.assertContains(response, "New album")

    def test_hidden_cover_is_not_shown_to_followers(self):
        photo = store_photo(self.album, user=self.alice, hidden=True)
        self.album.thumbnail = photo
        self.album.save()
        self.client.force_login(self.charlie)
        self.assertNotContains(self.client.get("/"), photo.tlink)

    def test_query_count_does_not_grow_with_albums(self):
        def make_albums(count):
            for i in range(count):
                owned = Album.objects.create(name=f"Owned {i}", user=self.bob)
                followed = Album.objects.create(name=f"Followed {i}", user=self.alice)
                Subs.objects.create(album=followed, user=self.bob)
                for album in (owned, followed):
                    album.thumbnail = bulk_photos(album, 3)[0]
                    album.save()

        def dashboard_queries():
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get("/")
            self.assertEqual(response.status_code, 200)
            return len(queries)

        self.client.force_login(self.bob)
        make_albums(2)
        few = dashboard_queries()
        make_albums(10)
        many = dashboard_queries()
        self.assertEqual(len(self.client.get("/").context["owned_albums"]), 12)
        self.assertEqual(few, many)
