"""What the admin tests share: a logged-in superuser and a query-count check."""

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from albums.tests.base import BaseTestCase
from photos.models import Photo


def bulk_photo(album, i, **fields):
    """An unsaved photo row for bulk_create (no stored objects: only the admin lists it)."""
    values = dict(
        album=album,
        filename=f"bulk{i}.jpg",
        link=f"albums/{album.pk}/{i}.jpg",
        tlink=f"albums/{album.pk}/{i}_t.jpg",
        display_link=f"albums/{album.pk}/{i}_d.jpg",
        content_type="image/jpeg",
        size=1000,
        width=64,
        height=48,
        taken_at="2026-01-01T12:00:00Z",
        sha256=f"{album.pk:032x}{i:032x}",
    )
    values.update(fields)
    return Photo(**values)


class AdminTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.admin = User.objects.create_superuser(
            "admin", "admin@example.org", "password"
        )

    def setUp(self):
        self.client.force_login(self.admin)

    def assertAdminOnly(self, url):
        """Staff with permissions get the page; anonymous and non-staff users go to the
        admin login."""
        self.assertEqual(self.client.get(url).status_code, 200)
        self.client.logout()
        for user in (None, self.bob):
            if user:
                self.client.force_login(user)
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, user)
            self.assertTrue(
                response["Location"].startswith("/admin/login/"), response["Location"]
            )
        self.client.force_login(self.admin)

    @staticmethod
    def descending(response, column):
        """The changelist's ?o= value that sorts by `column` (a list_display name),
        largest first."""
        return f"-{response.context['cl'].list_display.index(column)}"

    def queries_for(self, url):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response, len(queries)

    def assertConstantQueries(self, url, add_rows, row_marker):
        """The page at `url` takes as many queries with 50 rows as with 5.

        `add_rows(n)` creates n more rows; `row_marker` appears once per row
        in the page, to show the rows really are listed."""
        self.queries_for(url)  # warm per-process caches (content types)
        add_rows(5)
        response, few = self.queries_for(url)
        self.assertEqual(response.content.decode().count(row_marker), 5)
        add_rows(45)
        response, many = self.queries_for(url)
        self.assertEqual(response.content.decode().count(row_marker), 50)
        self.assertEqual(few, many)
