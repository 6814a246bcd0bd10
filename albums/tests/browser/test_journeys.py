"""A host and guests in a real Chromium: sign up, create and share an album,
join it from a phone with a sloppily typed code, upload real photos, view,
swipe, download, lock the album, watch the slideshow.

Uploads go from the page straight to a strict S3 (SeaweedFS, the
strict_s3_storage fixture: signatures, signed lengths and CORS checked) over
real HTTP, in parts for files over 8 MiB; the tests that need big files (a
dead zone mid-upload, a reload mid-upload) make them on disk and count the
PUTs storage received per part."""

import io
import re
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.files import File
from PIL import Image
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.base import make_image_bytes
from albums.tests.browser.conftest import DESKTOP, PHONE, corpus, screenshot
from photos import ingest
from photos.models import Photo, Upload

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("strict_s3_storage")]
MiB = 1024 * 1024

GOOD = [
    "real_photos/DSCN0010.jpg",
    "real_photos/apple_iphone_4.jpg",
    "formats/iphone_xr_rotated.heic",
]
BAD = "hostile/text_renamed.jpg"


def sloppy(code):
    """How a guest might type K7QM2XPA: lower case, spaces, O for 0 and l for 1."""
    typed = code.lower().replace("0", "o").replace("1", "l")
    return f"  {typed[:4]} {typed[4:]} "


def swipe(page, selector, dx):
    """One finger across the element, through the DevTools protocol (Playwright
    has taps but no swipes)."""
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    steps = [x + dx * i / 5 for i in range(6)]
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": "touchStart", "touchPoints": [{"x": steps[0], "y": y}]},
    )
    for step in steps[1:]:
        page.wait_for_timeout(20)
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": "touchMove", "touchPoints": [{"x": step, "y": y}]},
        )
    # Come to rest before lifting the finger: a fling would swallow the next tap.
    page.wait_for_timeout(150)
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": "touchMove", "touchPoints": [{"x": steps[-1], "y": y}]},
    )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def photo_id_in(url):
    return int(re.search(r"/p/(\d+)/", url).group(1))


def big_png(folder, mebibytes, name="big.png"):
    """A PNG file of `mebibytes` MiB (a small image, then padding, which a PNG
    may carry): more than one 8 MiB part, and still a photo the album takes."""
    data = make_image_bytes(640, 480, format="PNG", color=(30, 90, mebibytes))
    data += b"\0" * (mebibytes * MiB - len(data))
    path = folder / name
    path.write_bytes(data)
    return path


def part_number(request):
    """Which part a PUT to storage carries: S3's partNumber, or the local
    storage's part; a single PUT of the whole file is part 1."""
    query = parse_qs(urlsplit(request.url).query)
    return int((query.get("partNumber") or query.get("part") or ["1"])[0])


def count_storage_puts(page):
    """The part numbers of the PUTs the page sends to storage, in order, as a
    list that fills as they go."""
    puts = []
    page.on(
        "request",
        lambda request: request.method == "PUT" and puts.append(part_number(request)),
    )
    return puts


def network(page):
    """Set the page's network conditions through the DevTools protocol:
    upload speed in bytes/s (None: unthrottled), or offline."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def conditions(upload=None, offline=False):
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": offline,
                "latency": 0,
                "downloadThroughput": -1,
                "uploadThroughput": upload or -1,
            },
        )

    return conditions


def progress_at_least(page, percent):
    page.wait_for_function(
        "percent => [...document.querySelectorAll('.upload-result progress')]"
        ".some(p => p.value >= percent)",
        arg=percent,
        timeout=20_000,
    )


# The Screen Wake Lock, recorded: the page's requests and releases (headless
# Chromium's own may be refused), and a way to let it go as the system does
# when the page is hidden.
FAKE_WAKE_LOCK = """(() => {
  const log = window.wakeLockLog = [];
  let held = null;
  const wakeLock = {
    request: async type => {
      log.push("request");
      const sentinel = new EventTarget();
      sentinel.type = type;
      sentinel.released = false;
      sentinel.release = async () => {
        if (sentinel.released) return;
        sentinel.released = true;
        log.push("release");
        sentinel.dispatchEvent(new Event("release"));
      };
      held = sentinel;
      return sentinel;
    },
  };
  Object.defineProperty(Navigator.prototype, "wakeLock", {get: () => wakeLock, configurable: true});
  window.hidePageForAWhile = () => {
    const state = value =>
      Object.defineProperty(document, "visibilityState", {value, configurable: true});
    state("hidden");
    document.dispatchEvent(new Event("visibilitychange"));
    if (held) held.release();
    state("visible");
    document.dispatchEvent(new Event("visibilitychange"));
  };
})()"""


def test_host_shares_guest_uploads_views_downloads_and_host_locks(contexts):
    # The host signs up, creates an album and opens its share page.
    host = contexts.page(DESKTOP)
    host.goto("/accounts/signup/")
    host.get_by_label("Your name").fill("Sam")
    host.get_by_label("Email").fill("sam@example.org")
    host.get_by_label("Password", exact=True).fill("a long party password")
    host.get_by_role("button", name="Create account").click()
    # Sign-up leads to "Name your event", and creating it to its Share page.
    host.get_by_label("Album name").fill("Sam & Alex's wedding")
    host.get_by_role("button", name="Create album").click()
    expect(host.get_by_role("heading", level=1)).to_have_text(
        "Share Sam & Alex's wedding"
    )
    album = Album.objects.get()
    expect(host.locator(".print-card svg.qr-code")).to_be_visible()
    expect(host.locator(".print-card .album-code")).to_have_text(album.display_code)
    expect(host.get_by_role("button", name="Print the card")).to_be_visible()
    screenshot(host, "share-desktop")
    host.emulate_media(media="print")
    expect(host.locator(".share-screen")).to_be_hidden()
    expect(host.locator(".site-header")).to_be_hidden()
    expect(host.locator(".print-card svg.qr-code")).to_be_visible()
    screenshot(host, "share-print")
    host.emulate_media(media="screen")

    # A guest on a phone types the code sloppily and lands on the album.
    guest = contexts.page(PHONE)
    guest.goto("/")
    guest.get_by_label("Album code").fill(sloppy(album.code))
    guest.get_by_role("button", name="Join").tap()
    expect(guest).to_have_url(re.compile(f"/a/{album.code}/$"))
    expect(guest.locator(".empty-state")).to_be_visible()
    expect(guest.locator("form.upload-enhanced")).to_be_attached()  # upload.js ran

    # They upload real photos (a HEIC among them) and a bad file, on a slow
    # connection so the progress is seen. No name is asked before: the field
    # comes with the first files, and the name goes to them all.
    expect(guest.locator("#upload-guest-name")).to_have_count(0)
    cdp = guest.context.new_cdp_session(guest)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": 1_500_000,
        },
    )
    guest.locator("input[type=file][name=photos]").set_input_files(corpus(*GOOD, BAD))
    rows = guest.locator(".upload-result")
    expect(rows).to_have_count(4)
    guest.get_by_label("Your name (optional)").fill("Dana")
    guest.get_by_role("button", name="Done").tap()
    guest.wait_for_function(
        "() => [...document.querySelectorAll('.upload-result progress')]"
        ".some(p => p.value > 0 && p.value < 100)"
    )
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    expect(guest.locator(".upload-result-added")).to_have_count(3, timeout=20_000)
    rejected = guest.locator(".upload-result-rejected")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("text_renamed.jpg")
    expect(rejected).to_contain_text(
        "This file isn't a photo or video we can add (it doesn't open as a photo). "
        "We take photos in JPEG"
    )
    # All done: one line, the added rows folded away, the refused one open.
    expect(guest.locator(".upload-summary")).to_have_text(
        "3 photos added · 1 refused – details"
    )
    expect(rejected).to_be_visible()
    # Thumbnails are real images from the S3 server, in the results and the grid.
    grid_images = guest.locator("[data-photo-grid] img")
    expect(grid_images).to_have_count(3)
    guest.wait_for_function(
        "() => [...document.querySelectorAll('.upload-result img, [data-photo-grid] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert Photo.objects.filter(album=album, guest_name="Dana").count() == 3
    screenshot(guest, "upload-results-phone")

    # The viewer: tap a thumbnail, swipe, use the keys, back closes it.
    guest.reload()
    first = guest.locator("[data-photo-grid] a").first
    first.tap()
    viewer = guest.locator("dialog.viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator(".viewer-title")).to_have_text("Photo 1 of 3")
    # Pinch-zoom stays the browser's: not disabled in the viewport, allowed on the photo.
    assert "user-scalable" not in guest.locator("meta[name=viewport]").get_attribute(
        "content"
    )
    assert "pinch-zoom" in guest.locator(".viewer-stage").evaluate(
        "stage => getComputedStyle(stage).touchAction"
    )
    expect(viewer).to_contain_text("By Dana")
    expect(viewer.get_by_role("link", name="Download", exact=True)).to_be_visible()
    expect(viewer.get_by_role("link", name="Delete")).to_be_visible()  # her own photo
    expect(viewer.get_by_label("Add a description")).to_be_visible()
    guest.wait_for_function(
        "() => document.querySelector('.viewer-img').src.includes('_d.jpg')"
    )
    viewer.get_by_label("Add a description").fill("Cutting the cake")
    viewer.get_by_role("button", name="Save description").tap()
    expect(viewer.locator(".photo-description")).to_have_text("Cutting the cake")
    expect(viewer.get_by_label("Edit description")).to_have_value("Cutting the cake")
    ids = [photo_id_in(guest.url)]
    swipe(guest, ".viewer-stage", -200)
    expect(viewer.locator(".viewer-title")).to_have_text("Photo 2 of 3")
    ids.append(photo_id_in(guest.url))
    guest.keyboard.press("ArrowRight")
    expect(viewer.locator(".viewer-title")).to_have_text("Photo 3 of 3")
    ids.append(photo_id_in(guest.url))
    swipe(guest, ".viewer-stage", 200)
    expect(viewer.locator(".viewer-title")).to_have_text("Photo 2 of 3")
    assert len(set(ids)) == 3
    screenshot(guest, "viewer-phone")

    # Download one photo: a real JPEG from the pre-signed URL.
    with guest.expect_download() as download_info:
        viewer.get_by_role("link", name="Download", exact=True).tap()
    download = download_info.value
    with Image.open(download.path()) as image:
        assert image.format in ("JPEG", "HEIF")
    guest.go_back()
    expect(viewer).to_be_hidden()
    expect(guest).to_have_url(re.compile(f"/a/{album.code}/$"))

    # Download the whole album as a ZIP.
    with guest.expect_download() as download_info:
        guest.get_by_role("link", name="Download all").tap()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as archive:
        names = archive.namelist()
        assert len(names) == 3
        assert any(name.endswith(".heic") for name in names)
        with Image.open(io.BytesIO(archive.read(names[0]))) as image:
            image.verify()

    # The host locks the album; the guest sees that uploads are closed.
    host.goto(f"/a/{album.code}/settings/")
    # exact: "Uploads open from" (the upload window) is a field as well.
    host.get_by_label("Uploads open", exact=True).uncheck()
    host.get_by_role("button", name="Save settings").click()
    expect(host.get_by_text("Settings saved.")).to_be_visible()
    guest.reload()
    expect(guest.locator(".upload-locked")).to_have_text(
        "This album is locked: the host has closed uploads."
    )
    expect(guest.locator("input[type=file]")).to_have_count(0)
    screenshot(guest, "album-locked-phone")


def test_failed_transfers_retry_by_themselves_then_by_tap(contexts, live_server):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Flaky Wi-Fi", user=host)
    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    # Pauses of 50 to 100 ms, and Retry offered after 400 ms of failing (10
    # minutes on the site).
    guest.locator("form[data-upload-form]").evaluate(
        "form => Object.assign(form.dataset,"
        " {retryDelayMs: '50', retryMaxDelayMs: '100', giveUpMs: '400'})"
    )
    attempts = []

    def drop_the_first_two(route):
        attempts.append(route.request.url)
        if len(attempts) <= 2:
            route.abort("connectionreset")
        else:
            route.continue_()

    to_storage = re.compile(r"/incoming/")
    guest.route(to_storage, drop_the_first_two)
    guest.locator("input[type=file]").set_input_files(corpus(GOOD[0]))
    expect(guest.locator(".upload-result-added")).to_have_count(1)
    assert len(attempts) == 3
    guest.unroute(to_storage)

    # Down for good: after the automatic tries, a Retry button.
    start = f"**/a/{album.code}/uploads/"
    guest.route(start, lambda route: route.fulfill(status=502, body="Bad gateway"))
    guest.locator("input[type=file]").set_input_files(corpus(GOOD[1]))
    failed = guest.locator(".upload-result-failed")
    expect(failed).to_contain_text("HTTP 502")
    expect(guest.locator(".upload-summary")).to_have_text(
        "1 photo added · 1 not sent: tap Retry – details"
    )
    retry = failed.get_by_role("button", name="Retry")
    assert retry.bounding_box()["height"] >= 44
    screenshot(guest, "upload-failed-phone")
    guest.unroute(start)
    retry.tap()
    expect(guest.locator(".upload-result-added")).to_have_count(2)
    assert Photo.objects.filter(album=album).count() == 2


def test_a_dead_zone_mid_upload_resumes_by_itself_from_the_parts_stored(
    contexts, tmp_path
):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Basement bar", user=host)
    path = big_png(tmp_path, 20)  # parts of 8, 8 and 4 MiB
    guest = contexts.page(PHONE)
    guest.add_init_script(FAKE_WAKE_LOCK)
    guest.goto(album.get_absolute_url())
    # Tries again only after 30 s: only the connection coming back can make it
    # go on within the test's time.
    guest.locator("form[data-upload-form]").evaluate(
        "form => { form.dataset.retryDelayMs = '30000'; }"
    )
    puts = count_storage_puts(guest)
    conditions = network(guest)
    conditions(upload=8 * MiB)
    guest.locator("input[type=file]").set_input_files(str(path))
    row = guest.locator(".upload-result")
    progress_at_least(guest, 45)  # into the second part
    expect(row.locator(".upload-bytes")).to_have_text(
        re.compile(r"^\d+\.\d of 20\.0 MB$")
    )
    assert guest.evaluate("() => window.wakeLockLog") == ["request"]
    screenshot(guest, "upload-progress-phone")

    # A dead zone: three seconds without a connection.
    conditions(upload=8 * MiB, offline=True)
    expect(row).to_have_class(re.compile("upload-result-retrying"))
    expect(row).to_contain_text("No connection. Trying again in")
    expect(row.locator(".upload-bytes")).to_have_text("8.0 of 20.0 MB")
    guest.wait_for_timeout(3_000)
    screenshot(guest, "upload-offline-phone")
    conditions()  # back, and fast

    # It goes on by itself at once, from the second part.
    expect(guest.locator(".upload-result-added")).to_have_count(1, timeout=10_000)
    assert puts.count(1) == 1, puts  # storage got part 1 once
    assert sorted(set(puts)) == [1, 2, 3]
    assert len(puts) <= 3 + 1, puts  # at most the part cut off was sent again
    photo = Photo.objects.get(album=album)
    assert photo.size == path.stat().st_size
    assert guest.evaluate("() => window.wakeLockLog") == ["request", "release"]
    expect(guest.locator(".upload-summary")).to_have_text("1 photo added – details")
    screenshot(guest, "upload-finished-phone")


def test_a_reload_mid_upload_resumes_where_it_was(contexts, tmp_path):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Reloaded", user=host)
    path = big_png(tmp_path, 12)  # parts of 8 and 4 MiB
    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    guest.on("dialog", lambda dialog: dialog.accept())  # "leave anyway?": yes
    puts = count_storage_puts(guest)
    conditions = network(guest)
    conditions(upload=4 * MiB)
    with guest.expect_request_finished(
        lambda request: request.method == "PUT" and part_number(request) == 1,
        timeout=20_000,
    ):
        guest.locator("input[type=file]").set_input_files(str(path))
    guest.reload()  # part 2 on its way

    # The page says it goes on with the file from the last visit, from part 2.
    expect(guest.locator(".upload-notice")).to_have_text(
        "Resuming 1 photo from your last visit."
    )
    row = guest.locator(".upload-result")
    expect(row.locator(".upload-name")).to_have_text("big.png")
    progress_at_least(guest, 70)
    screenshot(guest, "upload-resumed-phone")
    expect(guest.locator(".upload-result-added")).to_have_count(1, timeout=15_000)
    expect(guest.locator(".upload-notice")).to_have_text(
        "Resumed 1 photo from your last visit."
    )
    after_reload = puts[puts.index(1) + 1 :]
    assert set(after_reload) == {2}, puts  # part 1 was not sent again
    expect(guest.locator("[data-photo-grid] li")).to_have_count(1)
    assert Photo.objects.filter(album=album).count() == 1

    # Done: nothing is kept for the next visit.
    conditions()
    guest.reload()
    expect(guest.locator("[data-photo-grid] li")).to_have_count(1)
    guest.wait_for_timeout(300)
    expect(guest.locator(".upload-result")).to_have_count(0)
    assert guest.evaluate(KEPT_FILES) == 0


# How many files the page keeps in IndexedDB for a next visit.
KEPT_FILES = """() => new Promise(resolve => {
  const request = indexedDB.open("partyshots-uploads", 1);
  request.onsuccess = () => {
    const count = request.result.transaction("uploads").objectStore("uploads").count();
    count.onsuccess = () => resolve(count.result);
  };
})"""


def test_an_album_that_moved_stops_the_queue(contexts):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Renamed", user=host)
    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    album.code = "NEWC0DE1"
    album.save()
    guest.locator("input[type=file]").set_input_files(corpus(GOOD[0], GOOD[1]))
    expect(guest.locator(".upload-result-rejected")).to_have_count(2)
    expect(guest.locator(".upload-result-rejected").first).to_contain_text(
        "This album is gone or has moved"
    )
    expect(guest.locator(".upload-locked")).to_contain_text(
        "Ask the host for the new link."
    )
    expect(guest.locator("input[type=file]")).to_have_count(0)
    assert guest.evaluate(KEPT_FILES) == 0
    assert not Upload.objects.exists()


# Two PNGs drawn in the page (different colours, so neither is a duplicate) in a
# DataTransfer, as a desktop drag from the file manager would carry them.
DROPPED_FILES = """async () => {
  const dt = new DataTransfer();
  for (const [name, colour] of [["red.png", "#d03020"], ["teal.png", "#109080"]]) {
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 240;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 320, 240);
    ctx.fillStyle = "#fff";
    ctx.fillRect(40, 40, 100, 60);
    const blob = await new Promise(resolve => canvas.toBlob(resolve, "image/png"));
    dt.items.add(new File([blob], name, {type: "image/png"}));
  }
  return dt;
}"""


def test_files_dropped_on_the_upload_card_are_uploaded(contexts):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Desktop", user=host)
    with open(corpus(GOOD[0])[0], "rb") as fh:
        ingest.add(album, File(fh, name="DSCN0010.jpg"), user=host)
    page = contexts.page(DESKTOP)
    page.goto(album.get_absolute_url())
    zone = page.locator("section.upload")
    expect(page.locator(".upload-drop-hint")).to_be_visible()

    # Text dragged over the card is not a drop of files: no highlight, no upload.
    text = page.evaluate_handle(
        "() => { const dt = new DataTransfer(); dt.setData('text/plain', 'hi'); return dt; }"
    )
    zone.dispatch_event("dragenter", {"dataTransfer": text})
    expect(zone).not_to_have_class(re.compile("is-dragover"))
    zone.dispatch_event("drop", {"dataTransfer": text})
    expect(page.locator(".upload-result")).to_have_count(0)

    # Files dropped outside the card do not open in the tab (the page stays).
    files = page.evaluate_handle(DROPPED_FILES)
    prevented = page.evaluate(
        "dt => { const e = new DragEvent('drop',"
        " {dataTransfer: dt, bubbles: true, cancelable: true});"
        " document.querySelector('h1').dispatchEvent(e); return e.defaultPrevented; }",
        files,
    )
    assert prevented
    expect(page.locator(".upload-result")).to_have_count(0)

    # Files dragged over the card light it up; dropped, they upload like chosen ones.
    zone.dispatch_event("dragenter", {"dataTransfer": files})
    expect(zone).to_have_class(re.compile("is-dragover"))
    screenshot(page, "upload-dragover-desktop", full_page=False)
    page.locator(".upload-pick label").dispatch_event(
        "dragenter", {"dataTransfer": files}
    )
    page.locator(".upload-pick label").dispatch_event(
        "dragleave", {"dataTransfer": files}
    )
    expect(zone).to_have_class(re.compile("is-dragover"))  # still over the card
    zone.dispatch_event("drop", {"dataTransfer": files})
    expect(zone).not_to_have_class(re.compile("is-dragover"))
    # Processed by the Celery worker, slower on a busy machine: the wait the
    # other upload checks here allow.
    expect(page.locator(".upload-result-added")).to_have_count(2, timeout=20_000)
    expect(page.locator(".upload-summary")).to_have_text("2 photos added – details")
    expect(page.locator(".upload-result .upload-name")).to_have_text(
        ["red.png", "teal.png"]
    )
    expect(page.locator("[data-photo-grid] li")).to_have_count(3)
    expect(page.locator("[data-photo-grid] li.is-new img")).to_have_count(2)
    names = sorted(
        Photo.objects.filter(album=album)
        .exclude(filename="DSCN0010.jpg")
        .values_list("filename", flat=True)
    )
    assert names == ["red.png", "teal.png"]


def test_leaving_during_an_upload_asks_first(contexts):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Slow", user=host)
    guest = contexts.page(PHONE)
    guest.add_init_script(FAKE_WAKE_LOCK)
    guest.goto(album.get_absolute_url())
    guest.route(f"**/a/{album.code}/uploads/", lambda route: None)  # never answers
    guest.locator("input[type=file]").set_input_files(corpus(GOOD[0], GOOD[1]))
    expect(guest.locator(".upload-result-uploading")).to_have_count(1)
    expect(guest.locator(".upload-result-pending")).to_have_count(1)
    # The screen is kept on while it goes, and again after the page was hidden
    # (the system lets the lock go then).
    assert guest.evaluate("() => window.wakeLockLog") == ["request"]
    guest.evaluate("() => window.hidePageForAWhile()")
    assert guest.evaluate("() => window.wakeLockLog") == [
        "request",
        "release",
        "request",
    ]
    dialogs = []
    guest.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    guest.get_by_role(
        "link", name="Share"
    ).tap()  # a real user gesture, as browsers require
    guest.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(guest).to_have_url(re.compile(f"/a/{album.code}/$"))


def test_slideshow_picks_up_photos_added_and_drops_those_removed_elsewhere(
    contexts, live_server
):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Party", user=host)
    with open(corpus(GOOD[0])[0], "rb") as fh:
        first = ingest.add(album, File(fh, name="DSCN0010.jpg"), user=host).photo

    tv = contexts.page(DESKTOP)
    tv.goto(f"/a/{album.code}/slideshow/?poll=1&every=2")
    shown = tv.locator("[data-slide].is-shown")
    expect(shown).to_have_attribute("data-photo-id", str(first.pk))
    expect(tv.locator(".slideshow-join")).to_contain_text(album.display_code)

    phone = contexts.page(PHONE)
    phone.goto(album.get_absolute_url())
    phone.locator("input[type=file]").set_input_files(corpus(GOOD[1]))
    expect(phone.locator(".upload-result-added")).to_have_count(1)
    new = Photo.objects.exclude(pk=first.pk).get()
    # The poll runs every second here (10 s is the promise with the default 8 s).
    expect(
        tv.locator(f"[data-slide].is-shown[data-photo-id='{new.pk}']")
    ).to_have_count(1, timeout=10_000)
    tv.wait_for_function(
        "() => document.querySelector('[data-slide].is-shown').naturalWidth > 0"
    )
    screenshot(tv, "slideshow-desktop")

    # The host hides the new photo elsewhere: within a poll it leaves the screen
    # and the rotation (two slides' time later it has not come back).
    Photo.objects.filter(pk=new.pk).update(hidden=True)
    expect(shown).to_have_attribute("data-photo-id", str(first.pk), timeout=5_000)
    tv.evaluate("""() => {
      window.slidesSince = [];
      new MutationObserver(records => records.forEach(record => record.addedNodes.forEach(node => {
        if (node.dataset && "slide" in node.dataset) window.slidesSince.push(node.dataset.photoId);
      }))).observe(document.querySelector(".slideshow-stage"), {childList: true});
    }""")
    tv.wait_for_timeout(
        4_500
    )  # two slides' time and more: the old rotation would have shown it again
    assert str(new.pk) not in tv.evaluate("() => window.slidesSince")
    expect(shown).to_have_attribute("data-photo-id", str(first.pk))
    # The last photo deleted: the show waits for the next one.
    Photo.objects.filter(pk=first.pk).delete()
    expect(tv.locator("[data-slideshow-empty]")).to_be_visible(timeout=5_000)
    expect(tv.locator("[data-slide]")).to_have_count(0)


def test_the_site_works_without_javascript(contexts, live_server):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="No scripts", user=host)
    guest = contexts.page(PHONE, java_script_enabled=False)
    guest.goto(album.get_absolute_url())
    guest.locator("input[type=file]").set_input_files(corpus(GOOD[0], BAD))
    guest.get_by_role("button", name="Upload").tap()
    expect(guest.locator(".upload-result-added")).to_have_count(1)
    expect(guest.locator(".upload-result-rejected")).to_contain_text("text_renamed.jpg")
    guest.get_by_role("link", name="Back to the album").tap()
    guest.locator("[data-photo-grid] a").first.tap()
    expect(guest).to_have_url(re.compile(r"/p/\d+/$"))
    expect(guest.locator(".photo-display")).to_be_visible()
    screenshot(guest, "photo-page-nojs-phone")
