"""The upload card (issue 17) in a real Chromium: the first screen of an
album on a phone is the album with one big button; each row shows a preview
before its upload finishes, the bytes sent and the time left; when all are
done the rows fold into "3 photos added · 1 refused – details" with the
refused file kept open; the guest's name is asked once, after the first
files are chosen, and remembered; "or drop them here" only where a mouse can
drag; and without JavaScript the plain form still uploads, name and all.

Uploads go to a strict S3 (SeaweedFS) as in test_journeys. Screenshots at
390×844 and 1366×768 go to test-artifacts/card/."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files import File
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import PHONE, axe_violations, corpus
from albums.tests.browser.test_journeys import BAD, big_png, network
from albums.tests.browser.test_pages import too_wide_at_320
from photos import ingest
from photos.models import Photo

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("strict_s3_storage")]

CARD = Path(django_settings.BASE_DIR) / "test-artifacts" / "card"
WIDE = {"viewport": {"width": 1366, "height": 768}}
PHOTOS = [
    "real_photos/DSCN0010.jpg",
    "real_photos/apple_iphone_4.jpg",
    "real_photos/htc_desire.jpg",
    "real_photos/nikon_e950.jpg",
    "real_photos/samsung_gt-i9000.jpg",
    "real_photos/DSCN0021.jpg",
]
ALL_IMAGES_LOADED = (
    "() => [...document.images]"
    ".filter(img => img.getBoundingClientRect().top < innerHeight)"
    ".every(img => img.complete && img.naturalWidth > 0)"
)
TIME_LEFT = re.compile(r"^ · (about \d+ (s|min) left|a few seconds left)$")


def shoot(page, name, full_page=False):
    CARD.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(CARD / f"{name}.png"), full_page=full_page, animations="disabled"
    )


def card_top(page):
    """Scroll the upload card to the top of the screen (a full-page screenshot
    would resize the page, and a phone's emulated touch with it)."""
    page.locator("section.upload").evaluate("card => card.scrollIntoView()")


@pytest.fixture
def party(live_server):
    """An album with six real photos in it, as a guest finds it mid-party."""
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    for path in corpus(*PHOTOS):
        with open(path, "rb") as fh:
            ingest.add(album, File(fh, name=path.rsplit("/", 1)[-1]), user=host)
    return album


def test_the_first_screen_on_a_phone_is_the_album_with_one_button(contexts, party):
    guest = contexts.page(PHONE)
    guest.goto(party.get_absolute_url())
    guest.wait_for_function(ALL_IMAGES_LOADED)
    card = guest.locator("section.upload")
    expect(card).to_have_class(re.compile("upload-card-enhanced"))
    button = guest.locator(".upload-pick label")
    expect(button).to_have_text("Add photos and videos")
    expect(button).to_be_in_viewport()
    assert button.bounding_box()["height"] >= 56
    expect(card.get_by_text("No app or account needed.")).to_be_visible()
    # No form in the way: the name field waits for the first files.
    expect(guest.locator("#upload-guest-name")).to_have_count(0)
    expect(guest.locator(".upload-as")).to_be_hidden()
    # A touch-only phone can't drop files: no hint saying it can.
    expect(guest.locator(".upload-drop-hint")).to_have_count(0)
    # The photos start on the first screen.
    first_photo = guest.locator("[data-photo-grid] img").first
    assert first_photo.bounding_box()["y"] < 844 - 100
    shoot(guest, "album-first-screen-phone")

    desktop = contexts.page(WIDE)
    desktop.goto(party.get_absolute_url())
    desktop.wait_for_function(ALL_IMAGES_LOADED)
    expect(desktop.locator(".upload-drop-hint")).to_have_text("or drop them here")
    expect(desktop.locator(".upload-drop-hint")).to_be_visible()
    shoot(desktop, "album-first-screen-desktop")


def test_previews_progress_and_a_folded_summary_with_the_refusal_open(
    contexts, party, tmp_path
):
    guest = contexts.page(PHONE)
    guest.goto(party.get_absolute_url())
    form = guest.locator("form[data-upload-form]")
    form.evaluate("form => { form.dataset.collapseMs = '300'; }")
    conditions = network(guest)
    conditions(upload=400_000)  # party Wi-Fi: about 0.4 MB/s up
    big = big_png(tmp_path, 3, name="cake.png")  # 3 MiB: seconds on its way
    files = [
        str(big),
        *corpus("real_photos/samsung_sm-j327t1.jpg", "formats/iphone_xr_rotated.heic"),
        *corpus(BAD),
    ]
    guest.locator("input[type=file]").set_input_files(files)
    rows = guest.locator(".upload-result")
    expect(rows).to_have_count(4)

    # Previews at once, drawn on the phone before anything is in the album;
    # Chromium can't draw HEIC (no decoder; Safari can): its row shows an
    # icon saying HEIC.
    cake = rows.filter(has_text="cake.png")
    expect(cake.locator(".upload-preview[data-preview=photo] canvas")).to_have_count(1)
    jpeg = rows.filter(has_text="samsung_sm-j327t1.jpg")
    expect(jpeg.locator(".upload-preview[data-preview=photo] canvas")).to_have_count(1)
    heic = rows.filter(has_text="iphone_xr_rotated.heic")
    expect(heic.locator(".upload-preview[data-preview=icon]")).to_contain_text("HEIC")
    assert not Photo.objects.exclude(user=party.user).exists()
    # The preview is the photo, the right way up, not a blank square.
    drawn = cake.locator("canvas").evaluate(
        "canvas => { const d = canvas.getContext('2d').getImageData(96, 96, 1, 1).data;"
        " return [d[0], d[1], d[2], d[3]]; }"
    )
    assert drawn[3] == 255 and drawn[:3] != [0, 0, 0], drawn

    # The name is asked now, once, in the card: not focused (no keyboard
    # popping up), and the files are already going.
    name = guest.get_by_label("Your name (optional)")
    expect(name).to_be_visible()
    expect(name).not_to_be_focused()

    # Bytes sent and the time left, from the rate measured.
    expect(cake.locator(".upload-bytes")).to_have_text(
        re.compile(r"^\d+\.\d of 3\.0 MB$"), timeout=15_000
    )
    expect(cake.locator(".upload-left")).to_have_text(TIME_LEFT, timeout=15_000)
    progress = cake.locator("progress")
    expect(progress).to_have_attribute("aria-label", "Upload of cake.png")
    expect(progress).to_have_attribute(
        "aria-valuetext", re.compile(r"of 3\.0 MB, (about|a few)")
    )
    expect(guest.locator(".upload-summary")).to_contain_text(
        re.compile(r"of 4 photos added")
    )
    # The summary is not a live region: screen readers hear it once, at the end.
    assert guest.locator(".upload-summary").get_attribute("aria-live") is None
    assert guest.locator(".upload-results").get_attribute("aria-live") is None
    expect(guest.locator(".upload-announce")).to_have_text("")
    assert not axe_violations(guest, "section.upload")
    name.fill("Dana")
    shoot(guest, "upload-in-progress-phone")
    card_top(guest)
    shoot(guest, "upload-in-progress-rows-phone")
    name.press("Enter")
    expect(guest.locator(".upload-as")).to_have_text("Adding as Dana · change")
    expect(name).to_be_hidden()
    conditions()

    # All done: one line; the added rows fold away, the refused one stays
    # open with its reason and its name.
    summary = guest.locator(".upload-summary")
    expect(summary).to_have_text("3 photos added · 1 refused – details", timeout=20_000)
    expect(guest.locator(".upload-announce")).to_have_text(
        "3 photos added · 1 refused."
    )
    expect(guest.locator(".upload-result-added")).to_have_count(3)
    expect(guest.locator(".upload-result-added").first).to_be_hidden()
    refused = guest.locator(".upload-result-rejected")
    expect(refused).to_be_visible()
    expect(refused.locator(".upload-name")).to_have_text("text_renamed.jpg")
    expect(refused.locator(".upload-message")).to_have_text(
        "This file isn't a photo or video we can add (it doesn't open as a photo). "
        "We take photos in JPEG, PNG, GIF, WebP, HEIC/HEIF, AVIF or TIFF and videos "
        "in MP4, MOV or WebM."
    )
    shoot(guest, "upload-summary-phone")
    assert not axe_violations(guest, "section.upload")
    assert too_wide_at_320(guest) is None
    card_top(guest)
    shoot(guest, "upload-summary-card-phone")
    # Every photo is Dana's, those sent before she typed her name too.
    names = set(Photo.objects.exclude(user=party.user).values_list("guest_name"))
    assert names == {("Dana",)}

    details = summary.get_by_role("button", name="details")
    expect(details).to_have_attribute("aria-expanded", "false")
    details.tap()
    expect(guest.locator(".upload-result-added").first).to_be_visible()
    expect(summary.get_by_role("button", name="hide details")).to_have_attribute(
        "aria-expanded", "true"
    )
    # The server's thumbnails replaced the previews of the photos added.
    expect(guest.locator(".upload-result-added img.upload-thumb")).to_have_count(3)
    card_top(guest)
    shoot(guest, "upload-details-phone")

    # Next visit: no form, the name remembered as a line.
    guest.reload()
    expect(guest.locator("#upload-guest-name")).to_have_count(0)
    expect(guest.locator(".upload-as")).to_have_text("Adding as Dana · change")
    guest.locator(".upload-as").get_by_role("button", name="Change your name").tap()
    expect(guest.get_by_label("Your name (optional)")).to_have_value("Dana")
    expect(guest.get_by_label("Your name (optional)")).to_be_focused()


def test_the_name_is_remembered_on_this_phone_in_a_new_session(contexts, party):
    guest = contexts.page(PHONE)
    guest.goto(party.get_absolute_url())
    guest.locator("input[type=file]").set_input_files(corpus(PHOTOS[0]))
    # A duplicate of the host's photo: done at once, and the name asked.
    name = guest.get_by_label("Your name (optional)")
    name.fill("Eve")
    guest.get_by_role("button", name="Done").tap()
    expect(guest.locator(".upload-as")).to_have_text("Adding as Eve · change")
    expect(guest.locator(".upload-result-duplicate")).to_have_count(1)
    # The session ends (cookies gone); this phone still knows the name.
    guest.context.clear_cookies()
    guest.reload()
    expect(guest.locator(".upload-as")).to_have_text("Adding as Eve · change")
    guest.locator("input[type=file]").set_input_files(
        corpus("real_photos/canon_40d.jpg")
    )
    expect(guest.locator(".upload-result-added")).to_have_count(1)
    assert Photo.objects.get(filename="canon_40d.jpg").guest_name == "Eve"

    # A guest who skipped the name is not asked again: a line offers it.
    other = contexts.page(PHONE, color_scheme="dark")
    other.goto(party.get_absolute_url())
    other.locator("input[type=file]").set_input_files(
        corpus("real_photos/DSCN0025.jpg")
    )
    expect(other.get_by_label("Your name (optional)")).to_be_visible()
    expect(other.locator(".upload-result-added")).to_have_count(1)
    other.reload()
    other.locator("input[type=file]").set_input_files(
        corpus("real_photos/DSCN0027.jpg")
    )
    expect(other.locator(".upload-as")).to_have_text(
        "Adding without a name · add your name"
    )
    expect(other.locator("#upload-guest-name")).to_have_count(0)
    # Done before the test ends (its database is emptied after).
    expect(other.locator(".upload-result-added")).to_have_count(1)
    expect(other.locator(".upload-summary")).to_have_text("1 photo added – details")
    other.wait_for_function(ALL_IMAGES_LOADED)
    shoot(other, "upload-summary-dark-phone")


def test_a_clip_shows_a_frame_of_itself_before_it_is_sent(contexts, party, tmp_path):
    from photos.tests import clips

    clips.ffmpeg_or_skip()
    clip = tmp_path / "VID_0001.mp4"
    clip.write_bytes(clips.read(clips.h264_faststart()))
    guest = contexts.page(PHONE)
    guest.goto(party.get_absolute_url())
    guest.route(f"**/a/{party.code}/uploads/", lambda route: None)  # held back
    guest.locator("input[type=file]").set_input_files(str(clip))
    row = guest.locator(".upload-result")
    expect(row.locator(".upload-preview[data-preview=video] canvas")).to_have_count(1)
    expect(row).to_have_class(re.compile("upload-result-(pending|uploading)"))


def test_without_javascript_the_plain_form_uploads_with_a_name(contexts, party):
    guest = contexts.page(PHONE, java_script_enabled=False)
    guest.goto(party.get_absolute_url())
    expect(guest.get_by_text("No app or account needed.")).to_be_visible()
    guest.get_by_label("Your name (optional)").fill("Noor")
    guest.locator("input[type=file]").set_input_files(
        corpus("real_photos/canon_40d.jpg", BAD)
    )
    guest.get_by_role("button", name="Upload").tap()
    expect(guest.locator(".upload-result-added")).to_have_count(1)
    refused = guest.locator(".upload-result-rejected")
    expect(refused).to_have_text(
        re.compile(r"^\s*text_renamed\.jpg:\s+This file isn't a photo or video")
    )
    assert Photo.objects.get(filename="canon_40d.jpg").guest_name == "Noor"
    shoot(guest, "upload-results-nojs-phone", full_page=True)


def test_on_a_computer_the_same_card_with_the_drop_hint(contexts, party, tmp_path):
    page = contexts.page(WIDE)
    page.goto(party.get_absolute_url())
    page.locator("form[data-upload-form]").evaluate(
        "form => { form.dataset.collapseMs = '300'; }"
    )
    conditions = network(page)
    conditions(upload=600_000)
    files = [
        str(big_png(tmp_path, 2, name="speeches.png")),
        *corpus("real_photos/samsung_sm-g965w.jpg", "real_photos/htc_desire.jpg", BAD),
    ]
    page.locator("input[type=file]").set_input_files(files)
    expect(page.locator(".upload-result .upload-left").first).to_have_text(
        TIME_LEFT, timeout=15_000
    )
    expect(page.locator(".upload-preview[data-preview=photo] canvas")).to_have_count(2)
    card_top(page)
    shoot(page, "upload-in-progress-desktop")
    page.get_by_label("Your name (optional)").fill("Kim")
    page.get_by_role("button", name="Done").click()
    conditions()
    expect(page.locator(".upload-summary")).to_have_text(
        "2 photos added · 1 already in the album · 1 refused – details",
        timeout=20_000,
    )
    expect(page.locator(".upload-drop-hint")).to_be_visible()
    page.wait_for_function(ALL_IMAGES_LOADED)
    card_top(page)
    shoot(page, "upload-summary-desktop")


def test_files_not_sent_stay_open_and_retry_all_sends_them(contexts, party):
    guest = contexts.page(PHONE)
    guest.goto(party.get_absolute_url())
    guest.locator("form[data-upload-form]").evaluate(
        "form => Object.assign(form.dataset, {retryDelayMs: '50',"
        " retryMaxDelayMs: '100', giveUpMs: '300', collapseMs: '0'})"
    )
    start = f"**/a/{party.code}/uploads/"
    guest.route(start, lambda route: route.fulfill(status=503, body="Busy"))
    guest.locator("input[type=file]").set_input_files(
        corpus("real_photos/DSCN0025.jpg", "real_photos/DSCN0027.jpg")
    )
    summary = guest.locator(".upload-summary")
    expect(summary).to_have_text("Nothing added · 2 not sent: tap Retry Retry all")
    expect(guest.locator(".upload-announce")).to_have_text(
        "Nothing added · 2 not sent: tap Retry."
    )
    failed = guest.locator(".upload-result-failed")
    expect(failed).to_have_count(2)
    expect(failed.first).to_be_visible()
    expect(failed.first).to_contain_text("Not sent yet: tap Retry.")
    guest.unroute(start)
    summary.get_by_role("button", name="Retry all").tap()
    expect(summary).to_have_text("2 photos added – details")
    expect(guest.locator(".upload-result-added")).to_have_count(2)
    expect(guest.locator(".upload-result-added").first).to_be_hidden()
