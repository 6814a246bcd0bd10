"""The slideshow's QR code in a real Chromium, on a laptop (1366×768) and a
TV-sized screen (1920×1080): small in a corner over the photo and clear of its
middle, full screen ("Scan to add your photos") on an empty album until the
first photo arrives, and for one slide after every N photos (?qr=N). axe finds
nothing serious or critical and nothing scrolls sideways, down to 320 px.
Screenshots of each at TV size go to test-artifacts/slideshow/."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import PHONE, axe_violations, corpus
from albums.tests.browser.test_pages import too_wide_at_320
from photos import ingest

pytestmark = pytest.mark.browser

SCREENS = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "tv": {"viewport": {"width": 1920, "height": 1080}},
}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "slideshow"
PHOTOS = [
    "real_photos/samsung_sm-g965w.jpg",
    "real_photos/apple_iphone_4.jpg",
    "real_photos/nikon_e950.jpg",
]

# Where the photo on screen really is (object-fit: contain letterboxes it in
# its box), and where the corner and its QR code are.
GEOMETRY = """() => {
  const img = document.querySelector('img[data-slide].is-shown');
  const box = img.getBoundingClientRect();
  const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
  const width = img.naturalWidth * scale, height = img.naturalHeight * scale;
  const photo = {left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2,
                 width, height};
  const rect = el => {
    const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            width: r.width, height: r.height};
  };
  const corner = document.querySelector('.slideshow-corner');
  const qr = corner.querySelector('svg.slideshow-qr-code');
  const q = rect(qr);
  const onTop = document.elementFromPoint(q.left + q.width / 2, q.top + q.height / 2);
  return {photo, corner: rect(corner), qr: q, onTop: !!onTop && corner.contains(onTop),
          panel: getComputedStyle(corner).backgroundColor,
          viewport: {width: innerWidth, height: innerHeight}};
}"""


def add_photos(album, *paths):
    photos = []
    for path in corpus(*paths):
        with open(path, "rb") as fh:
            photos.append(
                ingest.add(
                    album, File(fh, name=path.rsplit("/", 1)[-1]), user=album.user
                ).photo
            )
    return photos


def save_screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")


def check_page(page):
    """axe's serious and critical findings, and sideways scrolling here and at 320 px."""
    findings = axe_violations(page)
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if width[0] > width[1]:
        findings.append(f"{page.url}: scrolls sideways ({width})")
    narrow = too_wide_at_320(page)
    if narrow:
        findings.append(narrow)
    return findings


@pytest.fixture
def host(live_server):
    return User.objects.create_user("sam", password="unused")


@pytest.mark.parametrize("screen", SCREENS)
def test_the_corner_qr_sits_over_the_photo_clear_of_its_middle(contexts, host, screen):
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    add_photos(album, PHOTOS[0])
    page = contexts.page(SCREENS[screen])
    page.goto(f"/a/{album.code}/slideshow/?qr=0")
    page.wait_for_function(
        "() => { const img = document.querySelector('img[data-slide].is-shown');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    corner = page.locator(".slideshow-corner")
    expect(corner).to_be_visible()
    expect(corner).to_contain_text("Scan to add your photos")
    expect(corner).to_contain_text(album.display_code)
    expect(page.locator("[data-slideshow-qr]")).to_be_hidden()

    geometry = page.evaluate(GEOMETRY)
    photo, box, qr, viewport = (
        geometry["photo"],
        geometry["corner"],
        geometry["qr"],
        geometry["viewport"],
    )
    # Over the photo: it covers part of the photo, and is what shows there.
    assert box["left"] < photo["left"] + photo["width"]
    assert box["top"] < photo["top"] + photo["height"]
    assert geometry["onTop"]
    # Clear of its middle: nothing of the corner in the middle third of the photo.
    middle = {
        "left": photo["left"] + photo["width"] / 3,
        "right": photo["left"] + 2 * photo["width"] / 3,
        "top": photo["top"] + photo["height"] / 3,
        "bottom": photo["top"] + 2 * photo["height"] / 3,
    }
    assert (
        box["left"] >= middle["right"]
        or box["right"] <= middle["left"]
        or box["top"] >= middle["bottom"]
        or box["bottom"] <= middle["top"]
    ), (box, middle)
    # In the bottom right corner, inside the screen.
    assert box["right"] <= viewport["width"] and box["bottom"] <= viewport["height"]
    assert box["left"] > viewport["width"] / 2 and box["top"] > viewport["height"] / 2
    # Small (about 13% of the screen's short side), square, on white.
    short = min(viewport["width"], viewport["height"])
    assert 0.11 * short <= qr["width"] <= 0.16 * short, (qr, short)
    assert qr["width"] == pytest.approx(qr["height"], abs=1)
    assert geometry["panel"] == "rgb(255, 255, 255)"

    # It stays when the controls fade out, and in dark mode.
    page.mouse.move(10, 10)
    expect(page.locator(".slideshow.is-idle")).to_have_count(1, timeout=6_000)
    expect(corner).to_be_visible()
    page.emulate_media(color_scheme="dark")
    assert page.evaluate(GEOMETRY)["panel"] == "rgb(255, 255, 255)"
    page.emulate_media(color_scheme="light")

    if screen == "tv":
        save_screenshot(page, "photo-corner-qr-1920x1080")
    findings = check_page(page)
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("screen", SCREENS)
def test_an_empty_album_shows_the_qr_full_screen_until_the_first_photo(
    contexts, host, screen
):
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    page = contexts.page(SCREENS[screen])
    page.goto(f"/a/{album.code}/slideshow/?poll=1")
    slide = page.locator("[data-slideshow-qr]")
    expect(slide).to_be_visible()
    expect(slide.get_by_role("heading", name="Scan to add your photos")).to_be_visible()
    expect(slide).to_contain_text(album.name)
    expect(slide).to_contain_text(album.display_code)
    host_and_port = page.url.split("/")[2]
    expect(slide).to_contain_text(f"Or go to {host_and_port} and type")
    expect(page.locator("[data-slideshow-empty]")).to_have_text(
        "Waiting for the first photo…"
    )
    expect(page.locator(".slideshow-corner")).to_be_hidden()
    qr = slide.locator("svg.slideshow-qr-code").bounding_box()
    viewport = page.viewport_size
    # Big: over half the screen's short side, and all of it on screen.
    assert qr["width"] >= 0.5 * min(viewport["width"], viewport["height"]), qr
    assert qr["x"] >= 0 and qr["x"] + qr["width"] <= viewport["width"]
    assert qr["y"] >= 0 and qr["y"] + qr["height"] <= viewport["height"]
    assert slide.locator("svg.slideshow-qr-code").get_attribute("role") == "img"
    findings = check_page(page)
    if screen == "tv":
        save_screenshot(page, "empty-album-qr-1920x1080")

    # The first photo arrives: the show starts, the code goes to the corner.
    (photo,) = add_photos(album, PHOTOS[1])
    expect(
        page.locator(f"img[data-slide].is-shown[data-photo-id='{photo.pk}']")
    ).to_have_count(1, timeout=10_000)
    expect(slide).to_be_hidden()
    expect(page.locator(".slideshow-corner")).to_be_visible()
    assert not findings, "\n".join(findings)


# Each slide the show puts up, in order: "qr" when the QR slide shows, else
# the photo's id; with the time it came.
RECORD_SLIDES = """() => {
  window.slides = [];
  const slide = document.querySelector('[data-slideshow-qr]');
  new MutationObserver(() => {
    if (!slide.hidden) window.slides.push(['qr', performance.now()]);
  }).observe(slide, {attributes: true, attributeFilter: ['hidden']});
  new MutationObserver(records => records.forEach(record => record.addedNodes.forEach(node => {
    if (node.dataset && 'slide' in node.dataset)
      window.slides.push([node.dataset.photoId, performance.now()]);
  }))).observe(document.querySelector('.slideshow-stage'), {childList: true});
}"""


@pytest.mark.parametrize("screen", SCREENS)
def test_the_qr_slide_comes_after_every_n_photos(contexts, host, screen):
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    ids = {str(photo.pk) for photo in add_photos(album, *PHOTOS)}
    page = contexts.page(SCREENS[screen])
    page.goto(f"/a/{album.code}/slideshow/?qr=2&every=2&poll=60")
    page.evaluate(RECORD_SLIDES)
    slide = page.locator("[data-slideshow-qr]")
    # On the page: one photo. Then one more, then the QR slide.
    expect(slide).to_be_visible(timeout=8_000)
    expect(slide.get_by_role("heading", name="Scan to add your photos")).to_be_visible()
    expect(page.locator("[data-slideshow-empty]")).to_be_hidden()
    expect(page.locator(".slideshow-corner")).to_be_hidden()
    expect(page.locator("[data-slideshow-caption]")).to_be_hidden()
    page.wait_for_timeout(700)  # the fade in
    findings = check_page(page)
    if screen == "tv":
        save_screenshot(page, "qr-slide-1920x1080")
    # One slide's time later, photos again: two, then the QR slide again.
    expect(slide).to_be_hidden(timeout=4_000)
    expect(page.locator(".slideshow-corner")).to_be_visible()
    page.wait_for_function(
        "() => window.slides.filter(s => s[0] === 'qr').length >= 2", timeout=10_000
    )
    slides = page.evaluate("() => window.slides")
    kinds = ["qr" if name == "qr" else "photo" for name, _at in slides]
    assert kinds[:5] == ["photo", "qr", "photo", "photo", "qr"], slides
    assert {name for name, _at in slides if name != "qr"} <= ids
    # The QR slide stays for one slide's time (2 s), as a photo does.
    first_qr = kinds.index("qr")
    shown_for = slides[first_qr + 1][1] - slides[first_qr][1]
    assert 1_500 <= shown_for <= 3_500, slides
    assert not findings, "\n".join(findings)


def test_no_qr_slide_with_qr_0(contexts, host):
    album = Album.objects.create(name="Quiet", user=host)
    add_photos(album, *PHOTOS[1:])
    page = contexts.page(SCREENS["desktop"])
    page.goto(f"/a/{album.code}/slideshow/?qr=0&every=2&poll=60")
    page.evaluate(RECORD_SLIDES)
    page.wait_for_timeout(5_000)  # more than two slides' time
    slides = page.evaluate("() => window.slides")
    assert len(slides) >= 2 and all(name != "qr" for name, _at in slides), slides
    expect(page.locator(".slideshow-corner")).to_be_visible()


def test_on_a_phone_both_codes_fit_the_screen(contexts, host):
    """A phone held upright (a guest trying the slideshow, or a small screen):
    the corner stays in its corner, the full-screen code fits; nothing
    scrolls sideways."""
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    page = contexts.page(PHONE)
    page.goto(f"/a/{album.code}/slideshow/?poll=1&qr=0")
    slide = page.locator("[data-slideshow-qr]")
    expect(slide).to_be_visible()
    qr = slide.locator("svg.slideshow-qr-code").bounding_box()
    assert qr["x"] >= 0 and qr["x"] + qr["width"] <= 390 and qr["width"] >= 200
    save_screenshot(page, "empty-album-qr-phone")
    findings = check_page(page)

    add_photos(album, PHOTOS[1])
    expect(page.locator("img[data-slide].is-shown")).to_have_count(1, timeout=10_000)
    page.wait_for_function(
        "() => document.querySelector('img[data-slide].is-shown').naturalWidth > 0"
    )
    geometry = page.evaluate(GEOMETRY)
    photo, box = geometry["photo"], geometry["corner"]
    centre = (photo["left"] + photo["width"] / 2, photo["top"] + photo["height"] / 2)
    assert not (
        box["left"] <= centre[0] <= box["right"]
        and box["top"] <= centre[1] <= box["bottom"]
    ), (box, photo)
    assert box["right"] <= 390 and box["bottom"] <= 844
    save_screenshot(page, "photo-corner-qr-phone")
    findings += check_page(page)
    assert not findings, "\n".join(findings)
