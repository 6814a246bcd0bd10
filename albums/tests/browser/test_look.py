"""The look (issue 17): the self-hosted type loads (and its Latin Extended
files only for pages that need them), one grid at desktop width (the header,
the home page's hero and cards on one left edge; forms in a column centred
on it), and the album opening on its cover, coloured by it.

LOOK_SHOTS=before|after also saves screenshots of the main pages at phone
and desktop size under test-artifacts/look/<that word>/, to compare."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files import File

from albums.models import Album
from albums.tests.browser.conftest import PHONE, corpus, log_in
from albums.tests.browser.test_pages import ALL_IMAGES_LOADED, album  # noqa: F401
from photos import ingest

pytestmark = pytest.mark.browser

LOOK = Path(django_settings.BASE_DIR) / "test-artifacts" / "look"
WIDE = {"viewport": {"width": 1366, "height": 768}}

FONTS = """async () => {
  await document.fonts.ready;
  const faces = [...document.fonts].map(face => ({
    family: face.family.replace(/"/g, ''), status: face.status,
    range: face.unicodeRange}));
  const files = performance.getEntriesByType('resource')
    .map(entry => entry.name).filter(name => name.includes('/fonts/'))
    .map(name => name.split('/').pop().replace(/\\.[0-9a-f]{12}\\./, '.'));
  return {
    faces,
    files,
    body: getComputedStyle(document.body).fontFamily,
    h1: getComputedStyle(document.querySelector('h1')).fontFamily,
    textReady: document.fonts.check('17px Figtree', 'Photos'),
    headingReady: document.fonts.check('600 32px Fraunces', 'Photos'),
  };
}"""

BOX = """(selector) => {
  const element = document.querySelector(selector);
  if (!element) return null;
  const box = element.getBoundingClientRect();
  return {left: box.left, right: box.right, top: box.top, bottom: box.bottom,
          width: box.width, height: box.height, centre: box.left + box.width / 2};
}"""


def box(page, selector):
    found = page.evaluate(BOX, selector)
    assert found is not None, f"{page.url}: no {selector}"
    return found


def fonts(page):
    page.wait_for_load_state("load")
    return page.evaluate(FONTS)


def test_the_type_loads_from_this_site_with_latin_extended_only_when_needed(
    contexts,
    live_server,
    album,  # noqa: F811
):
    page = contexts.page(WIDE)
    page.goto("/")
    seen = fonts(page)
    assert seen["body"].startswith("Figtree,"), seen["body"]
    assert seen["h1"].startswith("Fraunces,"), seen["h1"]
    assert seen["textReady"] and seen["headingReady"], seen
    loaded = {(face["family"], face["status"]) for face in seen["faces"]}
    assert ("Figtree", "loaded") in loaded, seen["faces"]
    assert ("Fraunces", "loaded") in loaded, seen["faces"]
    # An English page loads the two Latin files and nothing else.
    assert sorted(seen["files"]) == ["figtree-latin.woff2", "fraunces-latin.woff2"]

    # A name with letters of Latin Extended (Ł) brings in those files.
    polish = Album.objects.create(name="Łucja & Zoë's wedding", user=album.user)
    page.goto(f"/a/{polish.code}/")
    seen = fonts(page)
    assert "fraunces-latin-ext.woff2" in seen["files"], seen["files"]
    assert page.evaluate("() => document.fonts.check('600 32px Fraunces', 'Łucja')")


def test_the_font_files_are_small_and_licensed():
    folder = Path(django_settings.BASE_DIR) / "static" / "fonts"
    sizes = {path.name: path.stat().st_size for path in folder.glob("*.woff2")}
    assert set(sizes) == {
        "figtree-latin.woff2",
        "figtree-latin-ext.woff2",
        "fraunces-latin.woff2",
        "fraunces-latin-ext.woff2",
    }
    # What an English page loads, and everything.
    assert sizes["figtree-latin.woff2"] + sizes["fraunces-latin.woff2"] < 40_000, sizes
    assert sum(sizes.values()) < 64_000, sizes
    licence = (folder / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Figtree" in licence and "Fraunces" in licence


def test_one_grid_at_desktop_width(contexts, live_server, album):  # noqa: F811
    """At 1366 x 768 the header's brand, the home page's hero and the cards
    below start at one left edge and end at one right edge; pages of one form
    put it in a column centred on the same grid."""
    guest = contexts.page(WIDE)
    guest.goto("/")
    brand = box(guest, ".brand")
    hero = box(guest, ".home-hero")
    host = box(guest, ".host")
    nav = box(guest, ".site-nav")
    assert abs(hero["left"] - brand["left"]) <= 1, (hero, brand)
    assert abs(host["left"] - hero["left"]) <= 1, (host, hero)
    assert abs(host["right"] - hero["right"]) <= 1, (host, hero)
    assert abs(nav["right"] - hero["right"]) <= 1, (nav, hero)
    assert hero["width"] >= 1000, hero
    centre = hero["centre"]
    assert abs(centre - 683) <= 1, hero

    guest.goto(f"/a/{album.code}/")
    frame = box(guest, ".album-hero-frame")
    assert abs(frame["left"] - brand["left"]) <= 1, (frame, brand)
    assert abs(frame["right"] - hero["right"]) <= 1, (frame, hero)
    upload = box(guest, ".upload")
    assert abs(upload["left"] - brand["left"]) <= 1, (upload, brand)

    for path in ("/accounts/signup/", "/accounts/login/"):
        guest.goto(path)
        form = box(guest, "main form")
        heading = box(guest, "main h1")
        assert abs(form["centre"] - centre) <= 1, (path, form)
        assert abs(heading["left"] - form["left"]) <= 1, (path, heading, form)
        assert 400 <= form["width"] <= 600, (path, form)

    context = contexts.new(WIDE)
    log_in(context, live_server, album.user)
    host_page = context.new_page()
    host_page.goto("/")
    hero = box(host_page, ".home-hero")
    first_card = box(host_page, ".album-item")
    new_album = box(host_page, ".new-album")
    heading = box(host_page, "#my-albums")
    assert abs(hero["left"] - brand["left"]) <= 1, (hero, brand)
    for other in (first_card, new_album, heading):
        assert abs(other["left"] - hero["left"]) <= 1, (other, hero)

    other = Album.objects.create(name="The afterparty", user=album.user)
    for path, selector in (
        (f"/a/{album.code}/settings/", "main form.card"),
        (f"/a/{album.code}/merge/", "main form"),
        (f"/a/{album.code}/merge/?other={other.pk}", ".consequences"),
        (f"/a/{album.code}/new-code/", "main form"),
        ("/albums/new/", "main form"),
        ("/accounts/", "main form"),
    ):
        host_page.goto(path)
        column = box(host_page, "main .narrow")
        found = box(host_page, selector)
        assert abs(column["centre"] - centre) <= 1, (path, column)
        assert 400 <= column["width"] <= 600, (path, column)
        assert (
            column["left"] - 1 <= found["left"]
            and found["right"] <= column["right"] + 1
        ), (
            path,
            found,
            column,
        )


def test_the_album_opens_on_its_cover(contexts, live_server, album):  # noqa: F811
    Album.objects.filter(pk=album.pk).update(host_name="Sam & Alex")
    album.refresh_from_db()
    cover = album.thumbnail
    assert cover.colour.startswith("#") and len(cover.colour) == 7, cover.colour
    for device, rendition in ((WIDE, cover.display_link), (PHONE, cover.tlink)):
        page = contexts.page(device)
        page.goto(f"/a/{album.code}/")
        page.wait_for_function(ALL_IMAGES_LOADED)
        hero = page.locator("[data-album-hero]")
        assert rendition in hero.evaluate("img => img.currentSrc")
        assert hero.evaluate("img => img.naturalWidth") > 0
        frame = page.locator(".album-hero-frame")
        assert frame.locator("h1").inner_text() == album.name
        assert "Hosted by Sam & Alex" in frame.inner_text()
        assert "4 photos" in frame.inner_text()
        # Coloured by the cover: its tone on the page, its shade behind the hero.
        assert cover.tone and cover.tone in page.evaluate(
            "() => document.body.className"
        )
        assert (
            frame.evaluate("el => getComputedStyle(el).backgroundColor")
            != "rgb(43, 33, 27)"
        )
        viewport = page.viewport_size
        frame_box = box(page, ".album-hero-frame")
        # Bounded: at most 40% of a phone's screen, 45% of a laptop's.
        bound = 0.4 if device is PHONE else 0.45
        assert frame_box["height"] <= bound * viewport["height"] + 1, frame_box
        if device is PHONE:
            # The add button is on the first screen.
            add = box(page, ".upload-pick label, .upload-pick input, .upload-submit")
            assert add["bottom"] <= viewport["height"], add

    # An album without a cover opens on its name, with no hero.
    empty = Album.objects.create(name="Brand new", user=album.user)
    page = contexts.page(WIDE)
    page.goto(f"/a/{empty.code}/")
    assert page.locator(".album-hero-frame").count() == 0
    assert page.locator("main h1").inner_text() == "Brand new"


def test_the_cover_colours_the_home_page_cards(contexts, live_server, album):  # noqa: F811
    album.refresh_from_db()
    context = contexts.new(WIDE)
    log_in(context, live_server, album.user)
    page = context.new_page()
    page.goto("/")
    card = page.locator(".album-item").first
    classes = card.get_attribute("class")
    assert album.thumbnail.tone in classes, classes
    wash = card.evaluate("el => getComputedStyle(el).backgroundColor")
    assert wash not in ("rgb(255, 255, 255)", ""), wash


def shoot(page, folder, name, full_page=True):
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_function(ALL_IMAGES_LOADED)
    page.screenshot(
        path=str(folder / f"{name}.png"), full_page=full_page, animations="disabled"
    )


@pytest.mark.skipif(
    not os.environ.get("LOOK_SHOTS"), reason="set LOOK_SHOTS=before|after to save them"
)
def test_screenshots(contexts, live_server, album):  # noqa: F811
    folder = LOOK / os.environ["LOOK_SHOTS"]
    Album.objects.filter(pk=album.pk).update(host_name="Sam & Alex")
    code = album.code
    other = Album.objects.create(name="The afterparty", user=album.user)
    with open(corpus("real_photos/apple_iphone_4.jpg")[0], "rb") as fh:
        ingest.add(other, File(fh, name="candles.jpg"), user=album.user)
    for size, device in (("phone", PHONE), ("desktop", WIDE)):
        guest = contexts.page(device)
        for path, name in (
            ("/", "home"),
            (f"/a/{code}/", "album"),
            (f"/a/{code}/share/", "share"),
            ("/accounts/signup/", "signup"),
            ("/accounts/login/", "login"),
            ("/no-such-page/", "not-found"),
        ):
            guest.goto(path)
            shoot(guest, folder, f"{name}-{size}")
        guest.goto(f"/a/{code}/")
        shoot(guest, folder, f"album-top-{size}", full_page=False)
        guest.locator("[data-photo-grid] a").nth(1).click()
        guest.wait_for_function(
            "() => document.querySelector('.viewer-img').src.includes('_d.jpg')"
        )
        guest.wait_for_function(
            "() => !document.querySelector('.viewer-stage').classList.contains('is-loading')"
        )
        shoot(guest, folder, f"viewer-{size}", full_page=False)
        guest.keyboard.press("Escape")
        guest.goto(album.photos.order_by("id").first().get_absolute_url())
        shoot(guest, folder, f"photo-page-{size}")
        host_context = contexts.new(device)
        log_in(host_context, live_server, album.user)
        host = host_context.new_page()
        for path, name in (
            ("/", "dashboard"),
            (f"/a/{code}/settings/", "settings"),
            (f"/a/{code}/merge/", "merge"),
            (f"/a/{code}/merge/?other={other.pk}", "merge-confirm"),
            (f"/a/{code}/new-code/", "new-code"),
            (f"/a/{code}/delete/", "delete"),
        ):
            host.goto(path)
            shoot(host, folder, f"{name}-{size}")
    dark = contexts.page(PHONE, color_scheme="dark")
    for path, name in (("/", "home"), (f"/a/{code}/", "album")):
        dark.goto(path)
        shoot(dark, folder, f"{name}-dark-phone", full_page=False)
    dark_context = contexts.new(WIDE, color_scheme="dark")
    log_in(dark_context, live_server, album.user)
    dark = dark_context.new_page()
    for path, name in (("/", "dashboard"), (f"/a/{code}/", "album")):
        dark.goto(path)
        shoot(dark, folder, f"{name}-dark-desktop", full_page=False)
