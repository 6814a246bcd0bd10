"""The album settings for who sees what, the reveal date, the upload window,
the time zone and the hosts' emails: typed and shown in the album's time
zone, checked with clear messages (nothing saved when any field fails), and
a confirmation before a save that hides photos from guests or shows them."""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from albums.models import Album
from albums.signals import guest_links_due
from albums.tests.base import AlbumTestCase, bulk_photos

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DAY = datetime.timedelta(days=1)


def typed(moment, zone):
    """`moment` as a datetime-local input holds it in `zone`."""
    return timezone.localtime(moment, zone).strftime("%Y-%m-%dT%H:%M")


def in_a_month(zone, hour=18):
    """A whole hour a month ahead in `zone`, as an aware datetime."""
    day = timezone.localtime(timezone.now(), zone).date() + 30 * DAY
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def last_sunday(year, month):
    day = datetime.date(year, month, 31)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


class SettingsTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/settings/"
        Album.objects.filter(pk=self.album.pk).update(time_zone="Europe/Berlin")
        self.album.refresh_from_db()
        self.client.force_login(self.alice)
        self.sent = []
        guest_links_due.connect(self.receive)
        self.addCleanup(guest_links_due.disconnect, self.receive)

    def receive(self, sender, album, **kwargs):
        self.sent.append(album.pk)

    def post(self, **changes):
        data = {
            "name": "Alice's party",
            "host_name": "",
            "time_zone": "Europe/Berlin",
            "mode": Album.SEE_ALL,
            "reveal_at": "",
            "uploads_open": "on",
            "guest_uploads": "on",
            "uploads_from": "",
            "uploads_until": "",
            "notify": Album.NOTIFY_DAILY,
        }
        data.update(changes)
        return self.client.post(
            self.url, {k: v for k, v in data.items() if v is not None}
        )

    def saved(self):
        return Album.objects.get(pk=self.album.pk)


class SettingsFieldsTests(SettingsTestCase):
    def test_the_page_has_every_setting_in_the_albums_time_zone(self):
        reveal = in_a_month(BERLIN)
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.DROP_BOX, reveal_at=reveal, uploads_until=reveal - DAY
        )
        response = self.client.get(self.url)
        self.assertContains(response, "<legend>Who sees the photos</legend>", html=True)
        self.assertContains(
            response,
            '<input type="radio" name="mode" value="dropbox" id="id_mode_1" checked>',
            html=True,
        )
        self.assertContains(
            response,
            f'<input type="datetime-local" name="reveal_at" value="{typed(reveal, BERLIN)}" '
            'aria-describedby="id_reveal_at_helptext" id="id_reveal_at">',
            html=True,
        )
        self.assertContains(response, f'value="{typed(reveal - DAY, BERLIN)}"')
        self.assertContains(
            response,
            '<option value="Europe/Berlin" selected>Europe/Berlin</option>',
            html=True,
        )
        self.assertContains(response, "In Europe/Berlin time.")
        self.assertContains(
            response, "<legend>Emails to the hosts about new photos</legend>", html=True
        )
        self.assertContains(
            response,
            '<input type="radio" name="notify" value="daily" id="id_notify_2" checked>',
            html=True,
        )
        # The drop box's banner, with Reveal now.
        self.assertContains(response, f'href="/a/{self.album.code}/reveal/"')

    def test_the_hosts_slideshow_link_with_copy(self):
        response = self.client.get(self.url)
        link = (
            f"http://testserver/a/{self.album.code}/slideshow/"
            f"?key={self.album.slideshow_token}"
        )
        self.assertContains(response, f'value="{link}"')
        self.assertContains(response, "<strong>Don't share it</strong>", html=True)
        self.assertContains(response, "data-copy-button")
        self.assertContains(response, "/static/js/copy.js")

    def test_a_new_code_makes_a_new_slideshow_link(self):
        token = self.album.slideshow_token
        self.client.post(f"/a/{self.album.code}/new-code/")
        self.assertNotEqual(self.saved().slideshow_token, token)

    def test_save_a_drop_box_with_a_reveal_in_the_albums_zone(self):
        reveal = in_a_month(BERLIN)
        response = self.post(mode=Album.DROP_BOX, reveal_at=typed(reveal, BERLIN))
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        album = self.saved()
        self.assertEqual((album.mode, album.reveal_at), (Album.DROP_BOX, reveal))
        page = self.client.get(self.url)
        self.assertContains(
            page,
            "Settings saved. Drop box: guests see only their own photos until "
            f"{reveal.day} {reveal:%B}",
        )
        self.assertEqual(self.sent, [])

    def test_another_time_zone_reads_the_dates_in_it(self):
        reveal = in_a_month(NEW_YORK)
        response = self.post(
            mode=Album.DROP_BOX,
            time_zone="America/New_York",
            reveal_at=typed(reveal, NEW_YORK),
            uploads_until=typed(reveal - DAY, NEW_YORK),
        )
        self.assertRedirects(response, self.url)
        album = self.saved()
        self.assertEqual(album.time_zone, "America/New_York")
        self.assertEqual(album.reveal_at, reveal)
        self.assertEqual(album.uploads_until, reveal - DAY)
        # And shown in it.
        self.assertContains(
            self.client.get(self.url), f'value="{typed(reveal, NEW_YORK)}"'
        )

    def test_a_value_with_an_offset_keeps_it(self):
        reveal = in_a_month(BERLIN)
        response = self.post(
            mode=Album.DROP_BOX,
            reveal_at=reveal.astimezone(NEW_YORK).isoformat(timespec="minutes"),
        )
        self.assertRedirects(response, self.url)
        self.assertEqual(self.saved().reveal_at, reveal)

    def test_fields_a_post_leaves_out_keep_their_values(self):
        reveal = in_a_month(BERLIN)
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.DROP_BOX, reveal_at=reveal, notify=Album.NOTIFY_HOURLY
        )
        response = self.client.post(
            self.url, {"name": "Renamed", "uploads_open": "on", "guest_uploads": "on"}
        )
        self.assertRedirects(response, self.url)
        album = self.saved()
        self.assertEqual(album.name, "Renamed")
        self.assertEqual(
            (album.mode, album.reveal_at, album.notify, album.time_zone),
            (Album.DROP_BOX, reveal, Album.NOTIFY_HOURLY, "Europe/Berlin"),
        )

    def test_a_date_posted_empty_is_cleared(self):
        Album.objects.filter(pk=self.album.pk).update(uploads_until=in_a_month(BERLIN))
        self.assertRedirects(self.post(), self.url)
        self.assertIsNone(self.saved().uploads_until)

    def test_notify_choices(self):
        for choice in (Album.NOTIFY_OFF, Album.NOTIFY_HOURLY, Album.NOTIFY_DAILY):
            with self.subTest(choice=choice):
                self.assertRedirects(self.post(notify=choice), self.url)
                self.assertEqual(self.saved().notify, choice)


class SettingsValidationTests(SettingsTestCase):
    def assert_refused(self, message, **changes):
        before = self.saved()
        response = self.post(name="Renamed", **changes)
        self.assertContains(response, message, status_code=400)
        after = self.saved()
        for field in (
            "name",
            "mode",
            "reveal_at",
            "time_zone",
            "uploads_from",
            "uploads_until",
            "notify",
        ):
            self.assertEqual(getattr(after, field), getattr(before, field), field)
        self.assertEqual(self.sent, [])
        return response

    def test_a_reveal_in_the_past(self):
        past = timezone.now() - datetime.timedelta(hours=2)
        response = self.assert_refused(
            "use Reveal now instead",
            mode=Album.DROP_BOX,
            reveal_at=typed(past, BERLIN),
        )
        self.assertContains(response, "That time has passed", status_code=400)

    def test_a_past_reveal_unchanged_is_fine(self):
        past = (timezone.now() - 3 * DAY).replace(second=41, microsecond=5)
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.DROP_BOX, reveal_at=past
        )
        # The page shows it to the minute; posting it back changes nothing.
        response = self.post(mode=Album.DROP_BOX, reveal_at=typed(past, BERLIN))
        self.assertRedirects(response, self.url)
        self.assertEqual(self.saved().reveal_at, past)

    def test_more_than_two_years_ahead(self):
        far = timezone.now() + 2 * 366 * DAY
        self.assert_refused(
            "That is more than two years ahead",
            mode=Album.DROP_BOX,
            reveal_at=typed(far, BERLIN),
        )
        self.assert_refused(
            "That is more than two years ahead", uploads_until="9999-12-31T23:59"
        )
        self.assert_refused(
            "That is more than two years ago", uploads_from="0001-01-01T00:00"
        )

    def test_a_window_that_ends_before_it_starts(self):
        start = in_a_month(BERLIN)
        for end in (start, start - datetime.timedelta(hours=1)):
            with self.subTest(end=end):
                self.assert_refused(
                    "Uploads must close after they open",
                    uploads_from=typed(start, BERLIN),
                    uploads_until=typed(end, BERLIN),
                )

    def test_times_a_clock_change_skips_or_repeats(self):
        year = timezone.localtime(timezone.now(), BERLIN).year + 1
        gap = last_sunday(year, 3)  # 02:00 becomes 03:00
        repeat = last_sunday(year, 10)  # 03:00 becomes 02:00 again
        for day in (gap, repeat):
            with self.subTest(day=day):
                self.assert_refused(
                    f"{day:%Y-%m-%d} 02:30:00 couldn’t be interpreted in time zone "
                    "Europe/Berlin; it may be ambiguous or it may not exist.",
                    mode=Album.DROP_BOX,
                    reveal_at=f"{day:%Y-%m-%d}T02:30",
                )
        # The same wall time in a zone without the change is fine.
        response = self.post(
            mode=Album.DROP_BOX,
            time_zone="Asia/Tokyo",
            reveal_at=f"{gap:%Y-%m-%d}T02:30",
        )
        self.assertRedirects(response, self.url)
        self.assertEqual(
            self.saved().reveal_at,
            datetime.datetime(
                gap.year,
                gap.month,
                gap.day,
                2,
                30,
                tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"),
            ),
        )

    def test_not_a_date_or_not_a_zone_or_not_a_mode(self):
        self.assert_refused("Enter a valid date/time.", uploads_until="next friday")
        self.assert_refused(
            "Choose a time zone from the list", time_zone="Mars/Olympus"
        )
        self.assert_refused("Select a valid choice.", mode="secret")
        self.assert_refused("Select a valid choice.", notify="weekly")

    def test_one_bad_field_saves_nothing(self):
        self.assert_refused(
            "Uploads must close after they open",
            mode=Album.DROP_BOX,
            notify=Album.NOTIFY_OFF,
            time_zone="America/New_York",
            uploads_from=typed(in_a_month(NEW_YORK), NEW_YORK),
            uploads_until=typed(in_a_month(NEW_YORK) - DAY, NEW_YORK),
        )


class WindowSaveTests(SettingsTestCase):
    def test_a_window_end_in_the_past_locks_and_says_so(self):
        ended = timezone.now() - datetime.timedelta(hours=3)
        response = self.post(uploads_until=typed(ended, BERLIN))
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        album = self.saved()
        self.assertTrue(album.uploads_closed())
        self.assertIn("Uploads closed", album.upload_refusal(self.bob))
        page = self.client.get(self.url)
        self.assertContains(page, "The album is locked, just as if you had unticked")
        self.assertEqual(self.sent, [self.album.pk])

    def test_a_window_in_the_future_says_when(self):
        closes = in_a_month(BERLIN)
        self.post(uploads_until=typed(closes, BERLIN))
        page = self.client.get(self.url)
        self.assertContains(page, f"Uploads close on {closes.day} {closes:%B}")
        self.assertEqual(self.sent, [])

    def test_locking_sends_the_guests_links_once(self):
        self.post(uploads_open="")
        self.assertFalse(self.saved().uploads_open)
        self.assertEqual(self.sent, [self.album.pk])
        self.post(uploads_open="")  # locked already: nothing new
        self.assertEqual(self.sent, [self.album.pk])
        self.post()  # open again
        self.assertEqual(self.sent, [self.album.pk])


class ConfirmationTests(SettingsTestCase):
    """A save that hides photos from guests or shows them asks first; the
    page carries the posted values on, and only `confirmed` saves."""

    def setUp(self):
        super().setUp()
        bulk_photos(self.album, 42, user=self.bob)
        bulk_photos(self.album, 2, user=self.bob, hidden=True)

    def test_see_all_to_drop_box(self):
        reveal = in_a_month(BERLIN)
        response = self.post(
            name="Renamed", mode=Album.DROP_BOX, reveal_at=typed(reveal, BERLIN)
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response,
            "Guests will stop seeing each other's 42 photos until "
            f'<time datetime="{reveal.isoformat(timespec="minutes")}">'
            f"{reveal.day} {reveal:%B}",
        )
        for name, value in (
            ("name", "Renamed"),
            ("mode", "dropbox"),
            ("reveal_at", typed(reveal, BERLIN)),
            ("time_zone", "Europe/Berlin"),
        ):
            self.assertContains(
                response,
                f'<input type="hidden" name="{name}" value="{value}">',
                html=True,
            )
        self.assertContains(
            response,
            '<button type="submit" name="confirmed" value="1" class="button">'
            "Hide them and save</button>",
            html=True,
        )
        album = self.saved()
        self.assertEqual((album.name, album.mode), ("Alice's party", Album.SEE_ALL))
        # Confirmed: saved.
        response = self.post(
            name="Renamed",
            mode=Album.DROP_BOX,
            reveal_at=typed(reveal, BERLIN),
            confirmed="1",
        )
        self.assertRedirects(response, self.url)
        album = self.saved()
        self.assertEqual(
            (album.name, album.mode, album.reveal_at),
            ("Renamed", Album.DROP_BOX, reveal),
        )
        self.assertEqual(self.sent, [])

    def test_a_drop_box_without_a_date(self):
        response = self.post(mode=Album.DROP_BOX)
        self.assertContains(
            response,
            "Guests will stop seeing each other's 42 photos until you reveal them.",
        )

    def test_drop_box_to_see_all_shows_them_now(self):
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.DROP_BOX, reveal_at=in_a_month(BERLIN)
        )
        response = self.post(mode=Album.SEE_ALL, reveal_at="")
        self.assertContains(
            response, "Everyone with the code will see all 42 photos now"
        )
        self.assertEqual(self.saved().mode, Album.DROP_BOX)
        self.assertEqual(self.sent, [])
        response = self.post(mode=Album.SEE_ALL, reveal_at="", confirmed="1")
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertEqual(self.saved().mode, Album.SEE_ALL)
        self.assertEqual(self.sent, [self.album.pk])
        self.assertContains(
            self.client.get(self.url), "Everyone with the code now sees all 42 photos."
        )

    def test_moving_a_passed_reveal_ahead_hides_them_again(self):
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.DROP_BOX, reveal_at=timezone.now() - DAY
        )
        later = in_a_month(BERLIN)
        response = self.post(mode=Album.DROP_BOX, reveal_at=typed(later, BERLIN))
        self.assertContains(response, "Guests will stop seeing each other's 42 photos")
        self.assertLess(self.saved().reveal_at, timezone.now())

    def test_change_something_first_saves_nothing(self):
        response = self.post(name="Renamed", mode=Album.DROP_BOX, review="1")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'value="Renamed"')
        self.assertContains(
            response,
            '<input type="radio" name="mode" value="dropbox" id="id_mode_1" checked>',
            html=True,
        )
        self.assertEqual(self.saved().name, "Alice's party")

    def test_no_question_when_nothing_changes_hands(self):
        # A later reveal of a drop box still hidden: nobody sees more or less now.
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.DROP_BOX, reveal_at=in_a_month(BERLIN)
        )
        later = in_a_month(BERLIN) + DAY
        self.assertRedirects(
            self.post(mode=Album.DROP_BOX, reveal_at=typed(later, BERLIN)), self.url
        )
        self.assertEqual(self.saved().reveal_at, later)

    def test_an_album_without_photos_asks_nothing(self):
        self.album.photos.all().delete()
        self.assertRedirects(self.post(mode=Album.DROP_BOX), self.url)
        self.assertEqual(self.saved().mode, Album.DROP_BOX)

    def test_a_bad_field_is_shown_before_any_question(self):
        response = self.post(mode=Album.DROP_BOX, uploads_until="soon")
        self.assertContains(response, "Enter a valid date/time.", status_code=400)
        self.assertNotContains(response, "Guests will stop seeing", status_code=400)


class CreateTimeZoneTests(AlbumTestCase):
    """A new album takes the host's device's zone (static/js/timezone.js
    fills a hidden input), if this machine knows it."""

    def setUp(self):
        super().setUp()
        self.dora = User.objects.create_user("dora", first_name="Dora")
        self.client.force_login(self.dora)

    def create(self, **data):
        self.client.post("/albums/new/", {"name": "Party", **data})
        return Album.objects.get(user=self.dora)

    def test_the_page_has_the_input_and_its_script(self):
        for url in ("/albums/new/", "/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(
                    response,
                    f'<input type="hidden" name="time_zone" value="{settings.TIME_ZONE}" '
                    'data-time-zone id="id_time_zone">',
                    html=True,
                )
                self.assertContains(response, "/static/js/timezone.js")

    def test_a_known_zone_is_kept(self):
        self.assertEqual(
            self.create(time_zone="Pacific/Auckland").time_zone, "Pacific/Auckland"
        )

    def test_an_unknown_zone_or_none_is_the_sites(self):
        for value in ("Mars/Olympus", "", "../../etc/passwd", "x" * 300):
            with self.subTest(value=value):
                self.assertEqual(
                    self.create(time_zone=value).time_zone, settings.TIME_ZONE
                )
                Album.objects.filter(user=self.dora).delete()
        self.assertEqual(self.create().time_zone, settings.TIME_ZONE)
