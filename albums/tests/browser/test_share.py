"""Sharing in a real Chromium: the Share page sends the link with the phone's
share sheet (Web Share API), or copies it and says so; the album's link
previews (Open Graph) carry an image that really loads; the printable cards
fill A6, A5, and four to an A4 sheet, in print emulation and as PDF pages."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.files import File
from PIL import Image
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    axe_violations,
    corpus,
    screenshot,
)
from albums.tests.browser.test_pages import too_wide_at_320
from photos import ingest

pytestmark = pytest.mark.browser

PX_PER_MM = 96 / 25.4
PT_PER_MM = 72 / 25.4
# Sheet (width, height) in mm, and the card on it.
SHEETS = {"a6": (105, 148), "a5": (148, 210), "a4": (210, 297)}
CARDS = {"a6": (105, 148), "a5": (148, 210), "a4": (105, 148.5)}
WHATSAPP = "WhatsApp/2.24.1.4 A"
NO_WEB_SHARE = "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"


@pytest.fixture
def album(live_server):
    owner = User.objects.create_user("sam", password="unused")
    album = Album.objects.create(name="Sam & Alex's wedding", user=owner)
    [path] = corpus("real_photos/DSCN0010.jpg")
    with open(path, "rb") as fh:
        ingest.add(album, File(fh, name="DSCN0010.jpg"), user=owner)
    album.refresh_from_db()
    assert album.thumbnail_id
    return album


def share_url(album, card=None):
    return f"/a/{album.code}/share/" + (f"?card={card}" if card else "")


def link_of(live_server, album):
    return f"{live_server.url}{album.get_link_url()}"


PUBLIC = "https://photos.example.org"


def test_without_web_share_copy_says_link_copied(contexts, settings, album):
    # As deployed: the link on the public address (the page says nothing of
    # this computer's own address, which no phone opens).
    settings.SITE_URL = PUBLIC
    context = contexts.new(PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.add_init_script(NO_WEB_SHARE)
    page = context.new_page()
    page.goto(share_url(album))
    expect(page.get_by_role("button", name="Send the link")).to_be_hidden()
    copy = page.get_by_role("button", name="Copy the link")
    expect(copy).to_be_visible()
    # The first thing on a phone's screen, above the cards.
    box = copy.bounding_box()
    assert box["y"] + box["height"] <= 844
    cards = page.get_by_role("heading", name="Cards for the tables").bounding_box()
    assert cards["y"] > box["y"]
    expect(page.get_by_text("only this computer can open")).to_have_count(0)
    copy.tap()
    expect(page.get_by_role("status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == (
        PUBLIC + album.get_link_url()
    )
    screenshot(page, "share-phone-copied", full_page=False)
    assert not axe_violations(page)
    assert too_wide_at_320(page) is None


STUB_SHARE = """
window.__shared = [];
Navigator.prototype.share = function (data) {
  window.__shared.push(data);
  const failure = window.__shareFailure;
  return failure ? Promise.reject(new DOMException("stub", failure)) : Promise.resolve();
};
"""


def test_send_the_link_opens_the_share_sheet(contexts, settings, album):
    settings.SITE_URL = PUBLIC
    context = contexts.new(PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.add_init_script(STUB_SHARE)
    page = context.new_page()
    page.goto(share_url(album))
    send = page.get_by_role("button", name="Send the link")
    expect(send).to_be_visible()
    expect(page.get_by_role("button", name="Copy the link")).to_be_visible()
    screenshot(page, "share-phone", full_page=False)
    screenshot(page, "share-phone-full")
    send.tap()
    expect(page.get_by_role("status")).to_have_text("Link sent")
    assert page.evaluate("window.__shared") == [
        {
            "title": "Sam & Alex's wedding",
            "text": "Add your photos of Sam & Alex's wedding, and see everyone's: "
            "no app needed.",
            "url": PUBLIC + album.get_link_url(),
        }
    ]

    # Closing the share sheet is no failure: nothing copied, nothing said.
    page.evaluate("window.__shareFailure = 'AbortError'")
    page.evaluate("navigator.clipboard.writeText('')")
    send.tap()
    page.wait_for_function("window.__shared.length === 2")
    page.wait_for_timeout(200)
    expect(page.get_by_role("status")).to_have_text("")
    assert page.evaluate("navigator.clipboard.readText()") == ""

    # The share sheet refusing (say, no app to share to): Copy instead.
    page.evaluate("window.__shareFailure = 'NotAllowedError'")
    send.tap()
    expect(page.get_by_role("status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == (
        PUBLIC + album.get_link_url()
    )


def og_tags(page):
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('meta[property], meta[name]')]
             .map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content]))"""
    )


def test_link_previews_carry_an_image_that_loads(contexts, live_server, album):
    link = link_of(live_server, album)
    guest = contexts.page(PHONE)
    guest.goto(link)
    expect(guest).to_have_url(re.compile(f"/a/{album.code}/$"))
    on_album = og_tags(guest)
    # A chat app's crawler gets the tags at the link itself, unredirected.
    crawler = contexts.page(DESKTOP, user_agent=WHATSAPP)
    response = crawler.goto(link)
    assert response.status == 200
    assert crawler.url == link
    for tags in (on_album, og_tags(crawler)):
        assert tags["og:title"] == "Sam & Alex's wedding"
        assert "no app needed" in tags["og:description"]
        assert tags["og:url"] == link
        assert tags["og:image"] == f"{link}cover.jpg"
        assert tags["twitter:card"] == "summary_large_image"

    # The image, fetched as a crawler does: no cookies, following the redirect.
    fetcher = contexts.new(DESKTOP, user_agent=WHATSAPP).request
    first = fetcher.get(on_album["og:image"], max_redirects=0)
    assert first.status == 302
    assert first.headers["cache-control"] == "public, max-age=300"
    image = fetcher.get(on_album["og:image"])
    assert image.status == 200
    assert image.headers["content-type"] == "image/jpeg"
    body = image.body()
    assert body[:3] == b"\xff\xd8\xff"
    with Image.open(io.BytesIO(body)) as decoded:
        assert decoded.format == "JPEG"
        assert max(decoded.size) <= 2048


def test_icons_and_manifest_load_under_the_csp(contexts, album):
    page = contexts.page(PHONE)
    page.goto(f"/a/{album.code}/")
    manifest = page.evaluate(
        """async () => {
          const link = document.querySelector('link[rel=manifest]');
          const response = await fetch(link.href);
          const manifest = await response.json();
          const icons = await Promise.all(manifest.icons.map(async icon => {
            const url = new URL(icon.src, response.url);
            const image = new Image();
            image.src = url;
            await image.decode();
            return [icon.sizes, `${image.naturalWidth}x${image.naturalHeight}`];
          }));
          return {type: response.headers.get('content-type'), name: manifest.name, icons};
        }"""
    )
    assert manifest["type"] == "application/manifest+json"
    assert manifest["name"] == "PartyShots"
    assert all(claimed == real for claimed, real in manifest["icons"])
    for selector in (
        'link[rel=icon][type="image/svg+xml"]',
        "link[rel=apple-touch-icon]",
    ):
        size = page.evaluate(
            """async (selector) => {
              const image = new Image();
              image.src = document.querySelector(selector).href;
              await image.decode();
              return image.naturalWidth;
            }""",
            selector,
        )
        assert size > 0, selector
    # contexts checks for CSP violations on the way out.


def card_boxes(page):
    """The visible cards' boxes in mm, in print emulation."""
    return [
        {key: value / PX_PER_MM for key, value in box.items()}
        for box in page.eval_on_selector_all(
            ".table-card",
            """cards => cards.filter(card => card.getClientRects().length).map(card => {
                 const r = card.getBoundingClientRect();
                 return {x: r.x, y: r.y, width: r.width, height: r.height};
               })""",
        )
    ]


def pdf_pages(pdf):
    """[(width, height)] in mm of each page of a PDF Chromium made."""
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    assert len(sizes) == len(pages)
    return [(float(w) / PT_PER_MM, float(h) / PT_PER_MM) for w, h in sizes]


@pytest.mark.parametrize("size", ["a6", "a5", "a4"])
def test_cards_fill_their_paper(contexts, album, size):
    sheet_w, sheet_h = SHEETS[size]
    card_w, card_h = CARDS[size]
    page = contexts.page(
        {
            "viewport": {
                "width": round(sheet_w * PX_PER_MM),
                "height": round(sheet_h * PX_PER_MM),
            }
        }
    )
    page.goto(share_url(album, size))
    page.emulate_media(media="print")
    expect(page.locator(".share-screen")).to_be_hidden()
    boxes = card_boxes(page)
    assert len(boxes) == (4 if size == "a4" else 1)
    for box in boxes:
        assert box["width"] == pytest.approx(card_w, abs=0.5)
        assert box["height"] == pytest.approx(card_h, abs=0.5)
    # Together they cover the sheet: one card, or two by two from the corner.
    assert min(b["x"] for b in boxes) == pytest.approx(0, abs=0.5)
    assert min(b["y"] for b in boxes) == pytest.approx(0, abs=0.5)
    assert max(b["x"] + b["width"] for b in boxes) == pytest.approx(sheet_w, abs=0.5)
    assert max(b["y"] + b["height"] for b in boxes) == pytest.approx(sheet_h, abs=0.5)
    # The QR code is most of the card's width, and a camera reads it from afar.
    qr = page.locator(".print-card svg.qr-code").bounding_box()
    assert qr["width"] / PX_PER_MM >= 0.55 * card_w
    expect(page.locator(".print-card")).to_contain_text(
        "Share your photos of Sam & Alex's wedding"
    )
    screenshot(page, f"card-{size}-print", full_page=False)

    # Printed (to PDF, at the page size the CSS asks for): one page of that paper.
    pages = pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
    assert len(pages) == 1
    assert pages[0][0] == pytest.approx(sheet_w, abs=0.6)
    assert pages[0][1] == pytest.approx(sheet_h, abs=0.6)


def test_picking_a_size_switches_the_card_at_once(contexts, album):
    album.name = "The very long name of a party that goes on and on: " * 2
    album.name = album.name[:100]
    album.save()
    page = contexts.page(DESKTOP)
    page.goto(share_url(album))
    expect(page.get_by_role("button", name="Show this size")).to_be_hidden()
    expect(page.get_by_role("button", name="Print the card")).to_be_visible()
    page.get_by_label("A5 card").check()
    expect(page.locator("[data-card-sheet]")).to_have_class(
        re.compile(r"card-sheet-a5")
    )
    expect(page).to_have_url(re.compile(r"\?card=a5$"))
    page.get_by_label("Four A6 cards").check()
    expect(page.locator("[data-card-sheet]")).to_have_class(
        re.compile(r"card-sheet-a4")
    )
    screenshot(page, "share-desktop-long-name")
    assert not axe_violations(page)
    # A 100-character name still leaves one page per sheet.
    for size in ("a6", "a5", "a4"):
        page.goto(share_url(album, size))
        page.emulate_media(media="print")
        pages = pdf_pages(page.pdf(prefer_css_page_size=True))
        assert len(pages) == 1, size
        if size == "a6":
            page.set_viewport_size({"width": 397, "height": 559})
            screenshot(page, "card-a6-long-name-print", full_page=False)
        page.emulate_media(media="screen")
