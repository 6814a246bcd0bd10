"""Accepting a co-host invitation: the page the link opens (log in or sign
up first, then a button), the POST that makes the co-host, and every link
that no longer works (unknown 404; used, revoked, expired 410)."""

from datetime import timedelta
from urllib.parse import quote

from django.contrib.auth.models import User
from django.db.models.signals import post_save
from django.test import TransactionTestCase
from django.utils import timezone

from albums.models import Album, CoHost, CoHostInvitation
from albums.tests.cohost_base import CoHostTestCase
from albums.tests.races import (
    in_thread,
    needs_row_locks,
    wait_until,
    waiting_for_a_lock,
)

ASK = "Ask the host for a new link."


class CoHostAcceptTests(CoHostTestCase):
    def setUp(self):
        super().setUp()
        self.invitation = CoHostInvitation.objects.create(album=self.album)
        self.accept_url = self.invitation.get_absolute_url()

    def test_the_link_is_the_token_under_cohost(self):
        self.assertEqual(self.accept_url, f"/cohost/{self.invitation.token}/")

    def test_logged_out_the_page_asks_to_log_in_or_sign_up_and_come_back(self):
        response = self.client.get(self.accept_url)
        self.assertContains(
            response,
            "<h1>Log in or sign up to co-host Alice&#x27;s party</h1>",
            html=True,
        )
        self.assertContains(response, "alice invites you to co-host")
        back = quote(self.accept_url)
        self.assertContains(response, f'href="/accounts/login/?next={back}"')
        self.assertContains(response, f'href="/accounts/signup/?next={back}"')
        self.assertNotContains(response, "Become a co-host</button>")
        # Nothing about the album a guest could use: not its code.
        self.assertNotContains(response, self.album.code)

    def test_logging_in_from_the_page_comes_back_to_it(self):
        response = self.client.post(
            f"/accounts/login/?next={quote(self.accept_url)}",
            {"username": "erin", "password": "password", "next": self.accept_url},
        )
        self.assertRedirects(response, self.accept_url)
        self.assertContains(self.client.get(self.accept_url), "Become a co-host")

    def test_signing_up_from_the_page_comes_back_to_it(self):
        page = self.client.get(f"/accounts/signup/?next={quote(self.accept_url)}")
        self.assertContains(
            page,
            f'<input type="hidden" name="next" value="{self.accept_url}">',
            html=True,
        )
        self.assertContains(page, f'href="/accounts/login/?next={self.accept_url}"')
        response = self.client.post(
            "/accounts/signup/",
            {
                "first_name": "Frank",
                "email": "frank@example.org",
                "password": "a long fresh passphrase",
                "next": self.accept_url,
            },
        )
        self.assertRedirects(response, self.accept_url)
        self.assertEqual(self.client.post(self.accept_url).status_code, 302)
        self.assertTrue(
            self.album.cohosts.filter(user__email="frank@example.org").exists()
        )

    def test_signing_up_ignores_a_next_elsewhere(self):
        response = self.client.post(
            "/accounts/signup/",
            {
                "first_name": "Frank",
                "email": "frank@example.org",
                "password": "a long fresh passphrase",
                "next": "https://evil.example.org/",
            },
        )
        self.assertRedirects(response, "/albums/new/")

    def test_logged_out_post_goes_to_log_in_and_changes_nothing(self):
        response = self.client.post(self.accept_url)
        self.assertRedirects(
            response,
            f"/accounts/login/?next={quote(self.accept_url, safe='')}",
            fetch_redirect_response=False,
        )
        self.invitation.refresh_from_db()
        self.assertTrue(self.invitation.is_usable())

    def test_logged_in_the_page_says_who_invites_to_what_with_a_button(self):
        self.album.host_name = "Sam & Alex"
        self.album.save()
        self.client.force_login(self.erin)
        response = self.client.get(self.accept_url)
        self.assertContains(
            response,
            "<h1>Become a co-host of Alice&#x27;s party, hosted by Sam &amp; Alex</h1>",
            html=True,
        )
        self.assertContains(response, "Become a co-host</button>")
        self.assertContains(response, "You are logged in as erin")
        # Looking changes nothing.
        self.invitation.refresh_from_db()
        self.assertTrue(self.invitation.is_usable())
        self.assertFalse(self.album.cohosts.filter(user=self.erin).exists())

    def test_accepting_makes_a_cohost_and_uses_the_invitation(self):
        self.client.force_login(self.erin)
        response = self.client.post(self.accept_url)
        self.assertRedirects(
            response, self.album.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertTrue(self.album.cohosts.filter(user=self.erin).exists())
        self.invitation.refresh_from_db()
        self.assertEqual(self.invitation.accepted_by, self.erin)
        self.assertIsNotNone(self.invitation.accepted_at)
        self.assertFalse(self.invitation.is_usable())

        album_page = self.client.get(response.url)
        self.assertContains(album_page, "You co-host Alice&#x27;s party now")
        self.assertContains(album_page, f'href="/a/{self.album.code}/settings/"')
        self.assertEqual(
            self.client.get(f"/a/{self.album.code}/settings/").status_code, 200
        )
        # Their home page lists it, marked.
        home = self.client.get("/")
        self.assertContains(
            home, 'Alice&#x27;s party <span class="album-role">Co-host</span>'
        )

    def test_accepting_twice_is_fine_for_the_same_person(self):
        """The same person's second tab (or a double click): no second row,
        back to the album; opening the used link again says they co-host it."""
        self.client.force_login(self.erin)
        self.assertEqual(self.client.post(self.accept_url).status_code, 302)
        response = self.client.post(self.accept_url, follow=True)
        self.assertContains(response, "You co-host Alice&#x27;s party already.")
        self.assertEqual(self.album.cohosts.filter(user=self.erin).count(), 1)
        page = self.client.get(self.accept_url)
        self.assertContains(page, "You co-host Alice&#x27;s party already")

    def test_a_used_link_is_410_for_anyone_else(self):
        self.client.force_login(self.erin)
        self.client.post(self.accept_url)
        for user in (None, self.bob):
            with self.subTest(user=user):
                self.login_as(user)
                for response in (
                    self.client.get(self.accept_url),
                    self.client.post(self.accept_url)
                    if user
                    else self.client.get(self.accept_url),
                ):
                    self.assertContains(
                        response,
                        "This co-host link has already been used: it works once.",
                        status_code=410,
                    )
                    self.assertContains(response, ASK, status_code=410)
        self.assertFalse(self.album.cohosts.filter(user=self.bob).exists())
        self.invitation.refresh_from_db()
        self.assertEqual(self.invitation.accepted_by, self.erin)

    def test_an_expired_link_is_410(self):
        self.invitation.expires_at = timezone.now() - timedelta(minutes=1)
        self.invitation.save()
        self.client.force_login(self.erin)
        for response in (
            self.client.get(self.accept_url),
            self.client.post(self.accept_url),
        ):
            self.assertContains(
                response, "This co-host link expired today at", status_code=410
            )
            self.assertContains(response, ASK, status_code=410)
        self.assertFalse(self.album.cohosts.filter(user=self.erin).exists())

    def test_a_revoked_link_is_410(self):
        self.invitation.revoked_at = timezone.now()
        self.invitation.save()
        self.client.force_login(self.erin)
        for response in (
            self.client.get(self.accept_url),
            self.client.post(self.accept_url),
        ):
            self.assertContains(
                response, "The host withdrew this co-host link.", status_code=410
            )
            self.assertContains(response, ASK, status_code=410)
        self.assertFalse(self.album.cohosts.filter(user=self.erin).exists())

    def test_an_unknown_link_is_404(self):
        self.client.force_login(self.erin)
        token = self.invitation.token
        for url in (
            f"/cohost/{token[:-1]}x/"
            if token[-1] != "x"
            else f"/cohost/{token[:-1]}y/",
            f"/cohost/{token[:-2]}/",
            f"/cohost/{token}extra/",
            "/cohost/a/",
        ):
            for response in (self.client.get(url), self.client.post(url)):
                with self.subTest(url=url, method=response.request["REQUEST_METHOD"]):
                    self.assertContains(
                        response,
                        "This co-host link doesn&#x27;t open any album.",
                        status_code=404,
                    )
                    self.assertContains(response, ASK, status_code=404)
        self.assertFalse(self.album.cohosts.filter(user=self.erin).exists())

    def test_a_trashed_albums_link_is_404(self):
        Album.all_objects.filter(pk=self.album.pk).update(deleted_at=timezone.now())
        self.client.force_login(self.erin)
        self.assertEqual(self.client.get(self.accept_url).status_code, 404)
        self.assertEqual(self.client.post(self.accept_url).status_code, 404)
        self.assertFalse(CoHost.objects.filter(user=self.erin).exists())

    def test_the_owner_opening_their_own_link_makes_nothing_and_keeps_it(self):
        self.client.force_login(self.alice)
        page = self.client.get(self.accept_url)
        self.assertContains(page, "This is your own album's invitation")
        self.assertNotContains(page, "Become a co-host</button>")
        response = self.client.post(self.accept_url)
        self.assertRedirects(
            response,
            f"/a/{self.album.code}/settings/#cohosts-heading",
            fetch_redirect_response=False,
        )
        self.assertContains(
            self.client.get(response.url),
            "This invitation is for a co-host of your own album",
        )
        self.assertFalse(self.album.cohosts.filter(user=self.alice).exists())
        self.invitation.refresh_from_db()
        self.assertTrue(self.invitation.is_usable())

    def test_a_cohost_opening_another_link_keeps_it_for_its_person(self):
        self.client.force_login(self.dana)
        page = self.client.get(self.accept_url)
        self.assertContains(page, "You co-host Alice&#x27;s party already")
        self.assertNotContains(page, "Become a co-host</button>")
        response = self.client.post(self.accept_url, follow=True)
        self.assertContains(response, "You co-host Alice&#x27;s party already.")
        self.assertEqual(self.album.cohosts.filter(user=self.dana).count(), 1)
        self.invitation.refresh_from_db()
        self.assertTrue(self.invitation.is_usable())

    def test_staff_may_accept_like_anyone(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.accept_url).status_code, 302)
        self.assertTrue(self.album.cohosts.filter(user=self.staff).exists())

    def test_an_invitation_makes_a_cohost_of_its_own_album_only(self):
        other = Album.objects.create(name="Bob's party", user=self.bob)
        self.client.force_login(self.erin)
        self.client.post(self.accept_url)
        self.assertFalse(other.cohosts.exists())
        self.assertEqual(self.client.get(f"/a/{other.code}/settings/").status_code, 404)


@needs_row_locks
class CoHostAcceptRaceTests(TransactionTestCase):
    """Two people accepting the same link at the same moment: one wins."""

    def test_two_accepting_at_once_make_one_cohost(self):
        owner = User.objects.create_user("owner", password="password")
        album = Album.objects.create(name="Wedding", user=owner)
        invitation = CoHostInvitation.objects.create(album=album)
        url = invitation.get_absolute_url()
        clients = []
        for name in ("first", "second"):
            client = self.client_class()
            client.force_login(User.objects.create_user(name, password="password"))
            clients.append(client)

        # The first holds the invitation's lock, its co-host row made but not
        # committed, until the second is waiting for that lock.
        import threading

        made, go = threading.Event(), threading.Event()

        def pause(sender, instance, created, **kwargs):
            if created and instance.user.username == "first":
                made.set()
                go.wait(timeout=30)

        post_save.connect(pause, sender=CoHost, weak=False)
        try:
            first, first_result = in_thread(clients[0].post, url)
            self.assertTrue(made.wait(timeout=30))
            second, second_result = in_thread(clients[1].post, url)
            wait_until(lambda: waiting_for_a_lock() >= 1)
            go.set()
            first.join(timeout=30)
            second.join(timeout=30)
        finally:
            post_save.disconnect(pause, sender=CoHost)
            go.set()
        for result in (first_result, second_result):
            if "error" in result:
                raise result["error"]
        self.assertEqual(first_result["value"].status_code, 302)
        self.assertEqual(second_result["value"].status_code, 410)
        self.assertContains(
            second_result["value"], "already been used", status_code=410
        )
        self.assertEqual(
            list(album.cohosts.values_list("user__username", flat=True)), ["first"]
        )
        invitation.refresh_from_db()
        self.assertEqual(invitation.accepted_by.username, "first")
