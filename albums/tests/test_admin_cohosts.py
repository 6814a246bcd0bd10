"""The album's admin page lists its co-hosts (staff may add or remove one)
and its invitations, read-only and without their tokens."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from albums.models import CoHost, CoHostInvitation
from albums.tests.admin_base import AdminTestCase


class AlbumAdminCoHostTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        self.dana = User.objects.create_user("dana", password="password")
        self.cohost = CoHost.objects.create(album=self.album, user=self.dana)
        now = timezone.now()
        self.pending = CoHostInvitation.objects.create(album=self.album)
        self.used = CoHostInvitation.objects.create(
            album=self.album, accepted_by=self.dana, accepted_at=now
        )
        self.revoked = CoHostInvitation.objects.create(album=self.album, revoked_at=now)
        self.expired = CoHostInvitation.objects.create(
            album=self.album, expires_at=now - timedelta(days=1)
        )
        self.url = reverse("admin:albums_album_change", args=[self.album.pk])

    def test_the_change_page_lists_cohosts_and_invitations_without_tokens(self):
        self.assertAdminOnly(self.url)
        page = self.client.get(self.url)
        self.assertContains(page, "Co-hosts")
        self.assertContains(page, 'name="cohosts-0-user"')
        self.assertContains(page, f'value="{self.dana.pk}"')
        for state in ("pending", "accepted", "revoked", "expired"):
            self.assertContains(
                page, f'<td class="field-state"><p>{state}</p></td>', html=True
            )
        for invitation in (self.pending, self.used, self.revoked, self.expired):
            self.assertNotContains(page, invitation.token)
        # Invitations are made by the owner only, where they see the link.
        self.assertNotContains(page, 'name="invitations-TOTAL_FORMS" value="1"')

    def test_staff_remove_a_cohost_from_the_album_page(self):
        page = self.client.get(self.url)
        form = page.context["adminform"].form
        data = {}
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[name] = "on" if value is True else value
        data.update(
            {
                "cohosts-TOTAL_FORMS": "1",
                "cohosts-INITIAL_FORMS": "1",
                "cohosts-0-id": str(self.cohost.pk),
                "cohosts-0-album": str(self.album.pk),
                "cohosts-0-user": str(self.dana.pk),
                "cohosts-0-DELETE": "on",
                "invitations-TOTAL_FORMS": "4",
                "invitations-INITIAL_FORMS": "4",
            }
        )
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(CoHost.objects.filter(pk=self.cohost.pk).exists())
        self.assertEqual(CoHostInvitation.objects.count(), 4)

    def test_the_add_page_has_no_inlines(self):
        page = self.client.get(reverse("admin:albums_album_add"))
        self.assertNotContains(page, "cohosts-TOTAL_FORMS")
