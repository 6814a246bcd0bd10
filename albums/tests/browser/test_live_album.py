"""The album while the party goes on, in a real Chromium (static/js/album.js):
newest first; another guest's photos wait behind a "N new photos – show"
button, which shows them where they belong and brings the header's count and
Download all up to date; only while the page is visible does it ask; more
photos come as the guest scrolls (or with Load more); the viewer walks on
across pages, clips included ("Video 61 of 65"); this guest's own uploads go
where a reload puts them. Screenshots of the button go to test-artifacts/live/."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.base import bulk_photos, make_image_bytes, store_photo
from albums.tests.browser.conftest import PHONE, axe_violations, corpus
from albums.tests.browser.test_journeys import swipe
from photos import views
from photos.models import Photo
from photos.tests.clips import ffmpeg_or_skip, store_clip

pytestmark = pytest.mark.browser

LIVE = Path(django_settings.BASE_DIR) / "test-artifacts" / "live"
WIDE = {"viewport": {"width": 1366, "height": 768}}
NO_SCROLL_LOADING = "delete window.IntersectionObserver"
HOUR = datetime.timedelta(hours=1)


def live_screenshot(page, name):
    LIVE.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(LIVE / f"{name}.png"), animations="disabled")


def quick_polls(page, ms=300):
    """The page asks every `ms` instead of every 10 s (read when used), and
    at once, as when a phone's screen comes back on."""
    page.evaluate(
        """ms => {
          document.querySelector('[data-live-album]').dataset.pollMs = String(ms);
          document.dispatchEvent(new Event('visibilitychange'));
        }""",
        ms,
    )


def grid_ids(page):
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-photo-grid] > li')]"
        ".map(li => Number(li.dataset.photoId))"
    )


def album_order(album, field="taken_at"):
    """The album's visible photos as a reload shows them: newest first."""
    return list(
        Photo.objects.filter(album=album, hidden=False)
        .order_by(f"-{field}", "-id")
        .values_list("pk", flat=True)
    )


def photo_taken(path, moment):
    """A JPEG whose EXIF says it was taken at `moment` (UTC)."""
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[36867] = moment.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    ifd[36881] = "+00:00"  # OffsetTimeOriginal
    path.write_bytes(
        make_image_bytes(320, 240, color=(moment.minute, 90, 160), exif=exif)
    )
    return str(path)


def test_new_photos_wait_behind_a_button_that_shows_them_in_place(contexts):
    host = User.objects.create_user("sam", first_name="Sam")
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    now = timezone.now()
    for i in range(24):
        store_photo(
            album,
            user=host,
            color=(10 * i, 120 + 3 * i, 230 - 9 * i),
            taken_at=now - (i + 1) * HOUR,
            created_at=now - (24 - i) * HOUR,
        )

    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    assert grid_ids(guest) == album_order(album)  # newest first, by date taken
    count = guest.locator("[data-album-count]")
    download = guest.locator("[data-download-all]")
    expect(count).to_have_text("24 photos")
    size_before = download.text_content()
    desktop = contexts.page(WIDE)
    desktop.goto(album.get_absolute_url())
    quick_polls(guest)
    quick_polls(desktop)
    pill = guest.locator(".new-photos-button")
    guest.wait_for_timeout(800)  # polls that find nothing new show nothing
    expect(pill).to_be_hidden()

    # Another guest adds two photos just taken, a clip and one from last year.
    new = [
        store_photo(album, color=(250, 200, 10), taken_at=now, guest_name="Dana"),
        store_photo(
            album, color=(250, 10, 200), taken_at=now - HOUR / 2, guest_name="Dana"
        ),
        store_photo(
            album,
            color=(10, 250, 200),
            taken_at=now - HOUR / 4,
            guest_name="Dana",
            content_type="video/mp4",
            duration=4.2,
        ),
        store_photo(
            album,
            color=(90, 90, 90),
            taken_at=now - datetime.timedelta(days=400),
            guest_name="Dana",
        ),
    ]
    expect(pill).to_have_text("3 new photos and 1 video – show")
    expect(guest.locator(".new-photos")).to_have_attribute("aria-live", "polite")
    expect(count).to_have_text("27 photos and 1 video")
    expect(download).to_have_text(re.compile(r"^Download all \(\d"))
    expect(download).not_to_have_text(size_before)
    assert len(grid_ids(guest)) == 24  # not until asked
    box = pill.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert not axe_violations(guest)

    # Screenshots with the button, at the top of the page (the header's count
    # already says 27 photos and 1 video) and further down the grid, where it
    # stays at the top of the screen, on a phone and a laptop.
    live_screenshot(guest, "album-new-photos-top-phone")
    expect(desktop.locator(".new-photos-button")).to_be_visible()
    live_screenshot(desktop, "album-new-photos-top-desktop")
    for page in (guest, desktop):
        expect(page.locator(".new-photos-button")).to_be_visible()
        page.evaluate(
            "() => window.scrollTo(0, document.querySelector('[data-photo-grid]')"
            ".getBoundingClientRect().top + scrollY + 300)"
        )
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-photo-grid] img')]"
            ".every(img => img.complete)"
        )
    live_screenshot(guest, "album-new-photos-phone")
    live_screenshot(desktop, "album-new-photos-desktop")

    # Tapped from further down: each where the order puts it (last year's at
    # the end), the grid scrolled up to, focus on the newest; as a reload
    # shows them.
    guest.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    pill.tap()
    expect(pill).to_be_hidden()
    assert grid_ids(guest) == album_order(album)
    assert grid_ids(guest)[0] == new[0].pk and grid_ids(guest)[-1] == new[3].pk
    expect(guest.locator("[data-photo-grid] > li.is-new")).to_have_count(4)
    expect(
        guest.locator(f"li[data-photo-id='{new[2].pk}'] a.video-tile")
    ).to_be_visible()
    guest.wait_for_function(
        "() => Math.abs(document.querySelector('[data-live-album]')"
        ".getBoundingClientRect().top) < 2"
    )
    assert guest.evaluate(
        "() => document.activeElement.closest('li').dataset.photoId"
    ) == str(new[0].pk)
    live_screenshot(guest, "album-new-photos-shown-phone")
    shown = grid_ids(guest)
    guest.reload()
    assert grid_ids(guest) == shown

    # Hidden by the host elsewhere: its tile goes, and the count with it.
    quick_polls(guest)
    Photo.objects.filter(pk=new[1].pk).update(hidden=True)
    expect(guest.locator(f"li[data-photo-id='{new[1].pk}']")).to_have_count(0)
    expect(count).to_have_text("26 photos and 1 video")
    shown_on_desktop = desktop.locator(".new-photos-button")
    expect(shown_on_desktop).to_have_text("2 new photos and 1 video – show")
    shown_on_desktop.click()
    assert grid_ids(desktop) == album_order(album)


def test_an_empty_album_fills_and_gets_download_all(contexts):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Picnic", user=host)
    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    expect(guest.get_by_role("link", name=re.compile("Download all"))).to_have_count(0)
    quick_polls(guest)
    photo = store_photo(album, user=host)
    guest.get_by_role("button", name="1 new photo – show").tap()
    assert grid_ids(guest) == [photo.pk]
    expect(guest.locator(".empty-state")).to_have_count(0)
    expect(guest.locator("[data-album-count]")).to_have_text("1 photo")
    expect(
        guest.get_by_role("link", name=re.compile(r"^Download all \("))
    ).to_be_visible()


def test_it_asks_only_while_the_page_is_visible(contexts):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Party", user=host)
    store_photo(album, user=host)
    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    asked = []
    guest.on(
        "request", lambda request: "photos.json" in request.url and asked.append(1)
    )
    guest.evaluate(
        "() => Object.defineProperty(document, 'visibilityState', "
        "{value: 'hidden', configurable: true})"
    )
    quick_polls(guest, 200)
    store_photo(album, user=host, color=(1, 2, 3))
    guest.wait_for_timeout(1500)
    assert not asked  # a phone in a pocket doesn't ask
    guest.evaluate(
        "() => Object.defineProperty(document, 'visibilityState', "
        "{value: 'visible', configurable: true})"
    )
    quick_polls(guest, 200)
    expect(guest.get_by_role("button", name="1 new photo – show")).to_be_visible()
    assert asked


def test_more_photos_come_as_the_guest_scrolls(contexts, monkeypatch):
    # A page taller than a phone's screen and the loader's look-ahead, so the
    # first page ends below what the first screen asks for.
    per_page = 36
    monkeypatch.setattr(views, "PHOTOS_PER_PAGE", per_page)
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Long night", user=host)
    bulk_photos(album, 2 * per_page + 8, user=host)
    tiles = "[data-photo-grid] > li"

    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    expect(guest.locator(tiles)).to_have_count(per_page)
    expect(guest.get_by_role("link", name="Load more")).to_be_visible()
    for expected in (2 * per_page, 2 * per_page + 8):
        guest.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        expect(guest.locator(tiles)).to_have_count(expected)
    expect(guest.locator(".pagination")).to_be_hidden()
    assert grid_ids(guest) == album_order(album)

    # Where scrolling doesn't load (no IntersectionObserver), Load more does,
    # from the keyboard: focus goes on to the first new photo, in order.
    keyboard = contexts.page(WIDE)
    keyboard.add_init_script(NO_SCROLL_LOADING)
    keyboard.goto(album.get_absolute_url())
    expect(keyboard.locator(tiles)).to_have_count(per_page)
    load_more = keyboard.get_by_role("link", name="Load more")
    load_more.focus()
    keyboard.keyboard.press("Enter")
    expect(keyboard.locator(tiles)).to_have_count(2 * per_page)
    focused = "() => document.activeElement.closest('li')?.dataset.photoId"
    assert keyboard.evaluate(focused) == str(grid_ids(keyboard)[per_page])
    keyboard.keyboard.press("Tab")
    assert keyboard.evaluate(focused) == str(grid_ids(keyboard)[per_page + 1])
    load_more.focus()
    keyboard.keyboard.press("Enter")
    expect(keyboard.locator(tiles)).to_have_count(2 * per_page + 8)
    expect(load_more).to_have_count(0)
    assert grid_ids(keyboard) == album_order(album)

    # Without JavaScript the pages are the way down.
    plain = contexts.page(PHONE, java_script_enabled=False)
    plain.goto(album.get_absolute_url())
    expect(plain.locator(tiles)).to_have_count(per_page)
    plain.get_by_role("link", name="Next").tap()
    expect(plain).to_have_url(re.compile(r"\?sort=taken&page=2$"))
    expect(plain.locator(tiles)).to_have_count(per_page)


@pytest.mark.usefixtures("strict_s3_storage")
def test_the_viewer_walks_on_across_pages_clips_included(contexts):
    ffmpeg_or_skip()
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Reception", user=host)
    now = timezone.now()
    bulk_photos(album, 64, user=host)  # taken a minute apart, from now back
    clip = store_clip(
        album,
        user=host,
        taken_at=now - datetime.timedelta(minutes=59, seconds=30),
    )  # the 61st: the first of page 2
    assert album_order(album)[60] == clip.pk

    guest = contexts.page(PHONE)
    guest.add_init_script(NO_SCROLL_LOADING)  # only the viewer loads more
    guest.goto(album.get_absolute_url())
    expect(guest.locator("[data-photo-grid] > li")).to_have_count(60)
    guest.locator("[data-photo-grid] a").nth(58).click()
    viewer = guest.locator("dialog.viewer")
    title = viewer.locator(".viewer-title")
    expect(title).to_have_text("Photo 59 of 65")
    swipe(guest, ".viewer-stage", -200)
    expect(title).to_have_text("Photo 60 of 65")
    expect(viewer.get_by_role("button", name="Next photo")).to_be_visible()
    swipe(guest, ".viewer-stage", -200)
    expect(title).to_have_text("Video 61 of 65")
    assert f"/p/{clip.pk}/" in guest.url
    video = viewer.locator("video.viewer-video")
    expect(video).to_be_visible()
    guest.wait_for_function(
        "() => document.querySelector('dialog.viewer video').readyState >= 1",
        timeout=15_000,
    )
    swipe(guest, ".viewer-stage", -200)
    expect(title).to_have_text("Photo 62 of 65")
    expect(viewer.locator("video")).to_have_count(0)  # the clip stopped and went
    swipe(guest, ".viewer-stage", 200)
    expect(title).to_have_text("Video 61 of 65")
    for expected in (62, 63, 64, 65):
        guest.keyboard.press("ArrowRight")
        expect(title).to_have_text(f"Photo {expected} of 65")
    expect(viewer.get_by_role("button", name="Next photo")).to_be_hidden()
    assert grid_ids(guest) == album_order(album)


@pytest.mark.usefixtures("strict_s3_storage")
def test_own_uploads_go_where_a_reload_puts_them(contexts, tmp_path, monkeypatch):
    monkeypatch.setattr(views, "PHOTOS_PER_PAGE", 4)
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Garden party", user=host)
    now = timezone.now().replace(microsecond=0)
    for hours in range(1, 7):  # taken 1 to 6 hours ago: pages of 4 and 2
        store_photo(
            album, user=host, color=(40 * hours, 80, 120), taken_at=now - hours * HOUR
        )

    guest = contexts.page(PHONE)
    guest.add_init_script(NO_SCROLL_LOADING)
    guest.goto(album.get_absolute_url())
    expect(guest.locator("[data-photo-grid] > li")).to_have_count(4)
    just_now = tmp_path / "just_now.png"  # no date in it: taken when added
    just_now.write_bytes(make_image_bytes(300, 200, format="PNG", color=(5, 200, 5)))
    between = photo_taken(tmp_path / "between.jpg", now - 1.5 * HOUR)
    guest.locator("input[type=file][name=photos]").set_input_files(
        [str(just_now), between, *corpus("real_photos/DSCN0010.jpg")]  # from 2008
    )
    expect(guest.locator(".upload-result-added")).to_have_count(3, timeout=30_000)
    added = {photo.filename: photo.pk for photo in Photo.objects.filter(album=album)}
    first_page = album_order(album)[:6]  # the 4 loaded, with the 2 added among them
    assert first_page[0] == added["just_now.png"]
    assert first_page[2] == added["between.jpg"]
    guest.wait_for_function(
        "n => document.querySelectorAll('[data-photo-grid] > li').length === n", arg=6
    )
    assert grid_ids(guest) == first_page
    # The one from 2008 belongs further down than the grid has loaded: only
    # counted for now, it comes as the guest goes on down.
    expect(guest.locator("[data-album-count]")).to_have_text("9 photos")
    expect(guest.locator(".new-photos-button")).to_be_hidden()  # their own: no button
    load_more = guest.get_by_role("link", name="Load more")
    load_more.click()
    expect(load_more).to_have_count(0)
    assert grid_ids(guest) == album_order(album)
    assert grid_ids(guest)[-1] == added["DSCN0010.jpg"]
