"""Inviting a co-host (the owner only): a one-time link listed in the album
settings to copy, with when it expires and Revoke; at most
MAX_PENDING_INVITATIONS waiting at once."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from albums.cohosts import MAX_PENDING_INVITATIONS
from albums.models import Album, CoHostInvitation
from albums.tests.cohost_base import CoHostTestCase


class CoHostInviteTests(CoHostTestCase):
    def setUp(self):
        super().setUp()
        self.invite_url = self.url("cohost_invite")
        self.settings_url = self.url("album_settings")

    def invite(self):
        return CoHostInvitation.objects.create(album=self.album)

    def test_the_owner_invites_and_the_settings_list_the_link_to_copy(self):
        self.client.force_login(self.alice)
        page = self.client.get(self.settings_url)
        self.assertContains(page, f'action="{self.invite_url}"')
        self.assertContains(page, "It works once, for 7 days")
        self.assertNotContains(page, "Invitations waiting")

        response = self.client.post(self.invite_url)
        self.assertRedirects(
            response,
            self.settings_url + "#cohosts-heading",
            fetch_redirect_response=False,
        )
        invitation = CoHostInvitation.objects.get(album=self.album)
        # ≥128 bits: 24 random bytes, URL-safe.
        self.assertGreaterEqual(len(invitation.token), 32)
        self.assertAlmostEqual(
            invitation.expires_at,
            timezone.now() + timedelta(days=7),
            delta=timedelta(minutes=1),
        )
        self.assertTrue(invitation.is_usable())

        page = self.client.get(response.url)
        self.assertContains(page, "New co-host invitation: copy its link below")
        link = f"http://testserver/cohost/{invitation.token}/"
        self.assertContains(page, f'value="{link}"')
        self.assertContains(page, "Invitation link, expires ")
        self.assertContains(page, self.album.in_words(invitation.expires_at))
        self.assertContains(page, "data-copy-button hidden")
        self.assertContains(page, "js/copy.js")
        self.assertContains(
            page,
            f'action="{self.url("cohost_invitation_revoke", invitation.pk)}"',
        )
        self.assertContains(page, "Invitations waiting (1)")

    @override_settings(SITE_URL="https://shots.example.org")
    def test_the_link_is_on_site_url(self):
        invitation = self.invite()
        self.client.force_login(self.alice)
        page = self.client.get(self.settings_url)
        self.assertContains(
            page, f'value="https://shots.example.org/cohost/{invitation.token}/"'
        )

    def test_each_invitation_has_its_own_token(self):
        self.client.force_login(self.alice)
        for _ in range(3):
            self.client.post(self.invite_url)
        tokens = set(self.album.invitations.values_list("token", flat=True))
        self.assertEqual(len(tokens), 3)

    def test_staff_may_invite(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.invite_url).status_code, 302)
        self.assertEqual(self.album.invitations.count(), 1)

    def test_cohosts_and_everyone_else_get_404_and_nothing_is_made(self):
        for user in (None, self.bob, self.charlie, self.dana):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertNoAlbum(self.client.post(self.invite_url))
        self.assertFalse(CoHostInvitation.objects.exists())

    def test_get_is_not_allowed(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.invite_url).status_code, 405)
        self.assertFalse(CoHostInvitation.objects.exists())

    def test_a_cohost_sees_no_invitation_links_and_cannot_invite(self):
        invitation = self.invite()
        self.client.force_login(self.dana)
        page = self.client.get(self.settings_url)
        self.assertContains(page, "You co-host Alice&#x27;s party")
        self.assertNotContains(page, invitation.token)
        self.assertNotContains(page, self.invite_url)
        self.assertNotContains(page, "Invite a co-host")

    def test_at_most_ten_pending_invitations(self):
        self.assertEqual(MAX_PENDING_INVITATIONS, 10)
        for _ in range(MAX_PENDING_INVITATIONS):
            self.invite()
        self.client.force_login(self.alice)
        page = self.client.get(self.settings_url)
        self.assertContains(page, "10 invitations are waiting, the most")
        self.assertNotContains(page, "Invite a co-host</button>")

        response = self.client.post(self.invite_url)
        self.assertContains(
            response,
            "already has 10 co-host invitations waiting to be accepted, the most it "
            "can have. Revoke one you no longer need",
            status_code=409,
        )
        self.assertEqual(self.album.invitations.count(), MAX_PENDING_INVITATIONS)

    def test_used_revoked_and_expired_invitations_do_not_count(self):
        now = timezone.now()
        for _ in range(MAX_PENDING_INVITATIONS - 1):
            self.invite()
        CoHostInvitation.objects.create(
            album=self.album, accepted_by=self.erin, accepted_at=now
        )
        CoHostInvitation.objects.create(album=self.album, revoked_at=now)
        CoHostInvitation.objects.create(
            album=self.album, expires_at=now - timedelta(seconds=1)
        )
        # Another album's don't either.
        other = Album.objects.create(name="Other", user=self.alice)
        CoHostInvitation.objects.create(album=other)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(self.invite_url).status_code, 302)
        self.assertEqual(self.client.post(self.invite_url).status_code, 409)
        page = self.client.get(self.settings_url)
        # Only the ten that still work are listed.
        self.assertContains(page, "Invitations waiting (10)")


class CoHostInvitationRevokeTests(CoHostTestCase):
    def setUp(self):
        super().setUp()
        self.invitation = CoHostInvitation.objects.create(album=self.album)
        self.revoke_url = self.url("cohost_invitation_revoke", self.invitation.pk)

    def test_the_owner_revokes_and_the_link_stops_working(self):
        self.client.force_login(self.alice)
        response = self.client.post(self.revoke_url, follow=True)
        self.assertContains(response, "Invitation revoked: its link no longer")
        self.assertNotContains(response, self.invitation.token)
        self.invitation.refresh_from_db()
        self.assertIsNotNone(self.invitation.revoked_at)

        self.client.force_login(self.erin)
        accept = self.invitation.get_absolute_url()
        self.assertContains(
            self.client.get(accept),
            "The host withdrew this co-host link.",
            status_code=410,
        )
        self.assertEqual(self.client.post(accept).status_code, 410)
        self.assertFalse(self.album.cohosts.filter(user=self.erin).exists())

    def test_revoking_twice_or_a_used_invitation_is_404(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(self.revoke_url).status_code, 302)
        self.assertEqual(self.client.post(self.revoke_url).status_code, 404)
        used = CoHostInvitation.objects.create(
            album=self.album, accepted_by=self.dana, accepted_at=timezone.now()
        )
        url = self.url("cohost_invitation_revoke", used.pk)
        self.assertEqual(self.client.post(url).status_code, 404)
        used.refresh_from_db()
        self.assertIsNone(used.revoked_at)

    def test_an_invitation_of_another_album_is_404_through_this_one(self):
        other = Album.objects.create(name="Alice's other party", user=self.alice)
        theirs = CoHostInvitation.objects.create(album=other)
        self.client.force_login(self.alice)
        url = self.url("cohost_invitation_revoke", theirs.pk)
        self.assertEqual(self.client.post(url).status_code, 404)
        theirs.refresh_from_db()
        self.assertIsNone(theirs.revoked_at)

    def test_cohosts_and_everyone_else_get_404_and_it_stays(self):
        for user in (None, self.bob, self.charlie, self.dana):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertNoAlbum(self.client.post(self.revoke_url))
        self.invitation.refresh_from_db()
        self.assertTrue(self.invitation.is_usable())

    def test_get_is_not_allowed(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.revoke_url).status_code, 405)
