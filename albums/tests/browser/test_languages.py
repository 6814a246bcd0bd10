"""PartyShots in a guest's own language, in a real Chromium: a phone set to
German goes through the whole guest flow in German (join, upload with a
refused file, viewer, take-down request, slideshow, share), at 320 px wide (the
narrowest phones, German's long words) with nothing scrolling sideways or
clipped; the switcher moves a guest to Spanish for good; an album set to
French speaks French to a browser that asks for no language we ship; and axe
finds nothing serious on the main guest pages in each shipped language."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.utils import formats, translation
from django.utils.translation import pgettext, trans_real
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    corpus,
    log_in,
    screenshot,
)
from albums.tests.browser.test_journeys import BAD, GOOD, sloppy
from albums.tests.browser.test_pages import PHOTOS, open_viewer, too_wide_at_320, visit
from photos import ingest
from photos.models import TakedownRequest

pytestmark = pytest.mark.browser

# A phone at the narrowest width we hold the layout to.
NARROW_PHONE = {**PHONE, "viewport": {"width": 320, "height": 720}}

# English the guest pages show, none of which a page in another language may
# show (whole words, case-sensitive: "Diashow" is no "Slideshow").
ENGLISH = [
    "Add photos and videos",
    "Album code",
    "Ask for it to be taken down",
    "Back to the album",
    "Close",
    "Copy the link",
    "Delete",
    "details",
    "Done",
    "Download",
    "Download all",
    "Exit",
    "Join",
    "Language",
    "Loading",
    "Log in",
    "Next photo",
    "Previous photo",
    "Print the card",
    "refused",
    "Share",
    "Skip to content",
    "Sign up",
    "Slideshow",
    "Thank you",
    "This is me, please remove it",
    "Your name",
]

# The page's words: its text on show, and what it says to screen readers and
# in tooltips and empty fields.
WORDS = """() => [
  document.body.innerText,
  ...[...document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')]
    .flatMap(el => ['aria-label', 'title', 'placeholder', 'alt']
      .map(name => el.getAttribute(name)).filter(Boolean)),
].join('\\n')"""

# Buttons, links styled as one and pickers whose text does not fit them: wider
# or taller than their box (text that wraps grows the box instead), or partly
# off either side of the screen (a row pinned to the right runs off the left,
# which no sideways scrolling shows).
CLIPPED_BUTTONS = """() => [...document.querySelectorAll(
    'button, .button, input[type=submit], select')]
  .filter(el => el.getClientRects().length)
  .filter(el => !el.closest('.visually-hidden, dialog:not([open])'))
  .map(el => ({el, box: el.getBoundingClientRect()}))
  .filter(({el, box}) => el.scrollWidth > el.clientWidth + 1
    || el.scrollHeight > el.clientHeight + 1
    || box.left < -0.5 || box.right > document.documentElement.clientWidth + 0.5)
  .map(({el, box}) => `${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} `
    + `"${(el.innerText || el.value || '').trim()}": `
    + `${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight}, `
    + `x ${Math.round(box.left)} to ${Math.round(box.right)}`)"""


def words_in(language):
    """What a page in `language` says for an English string, from the shipped
    catalogs (locale/<language>/LC_MESSAGES: django.po for templates and
    Python, djangojs.po, js=True, for static/js), so the checks follow the
    translators' wording. A string the catalog leaves in English fails here."""
    catalogs = {
        False: trans_real.DjangoTranslation(language),
        True: trans_real.DjangoTranslation(language, domain="djangojs"),
    }

    def say(english, *, plural=None, count=None, js=False, **values):
        catalog = catalogs[js]
        if plural:
            text = catalog.ngettext(english, plural, count)
            values = {"count": count, **values}
        else:
            text = catalog.gettext(english)
        assert text != english, f"{english!r} has no {language} translation"
        return text % values if values else text

    return say


def english_on(page):
    """The known English strings the page shows."""
    words = page.evaluate(WORDS)
    return [
        english
        for english in ENGLISH
        if re.search(rf"(?<!\w){re.escape(english)}(?!\w)", words)
    ]


def check_german(page, findings):
    """The page speaks German, with no known English on it, and (the phone
    being 320 px wide) nothing scrolls sideways or is clipped."""
    expect(page.locator("html")).to_have_attribute("lang", "de")
    leaked = english_on(page)
    if leaked:
        findings.append(f"{page.url}: English on a German page: {leaked}")
    check_narrow(page, findings)


def check_narrow(page, findings):
    """At 320 px wide nothing scrolls sideways, and no button's text is cut."""
    finding = too_wide_at_320(page)
    if finding:
        findings.append(finding)
    clipped = page.evaluate(CLIPPED_BUTTONS)
    if clipped:
        findings.append(f"{page.url}: clipped at 320 px: {clipped}")


def add_photos(album, names, **uploader):
    """The corpus files `names` added to the album (as `user=` or `guest_name=`)."""
    photos = []
    for path in corpus(*names):
        with open(path, "rb") as fh:
            name = path.rsplit("/", 1)[-1]
            photos.append(ingest.add(album, File(fh, name=name), **uploader).photo)
    return photos


@pytest.mark.usefixtures("strict_s3_storage")
def test_a_guest_whose_phone_is_in_german_sees_the_whole_guest_flow_in_german(
    contexts,
):
    de = words_in("de")
    host = User.objects.create_user("sam", first_name="Sam")
    album = Album.objects.create(name="Hochzeit von Sam & Alex", user=host)
    (hosts_photo,) = add_photos(album, [GOOD[0]], user=host)
    findings = []
    guest = contexts.page(NARROW_PHONE, locale="de-DE")

    # Join: the code typed on the home page.
    guest.goto("/")
    expect(guest.get_by_role("heading", level=1)).to_have_text(
        de("Everyone's photos of one event, in one album")
    )
    expect(
        guest.get_by_text(
            de("Got a code from the host? Type it here, with or without the dash.")
        )
    ).to_be_visible()
    check_german(guest, findings)
    guest.get_by_label(de("Album code")).fill(sloppy(album.code))
    guest.get_by_role("button", name=de("Join")).tap()
    expect(guest).to_have_url(re.compile(f"/a/{album.code}/$"))

    # The album.
    photos = de("%(count)s photo", plural="%(count)s photos", count=1)
    expect(guest.locator("[data-album-count]")).to_have_text(photos)
    expect(guest.get_by_text(de("Add photos and videos"))).to_be_visible()
    expect(guest.get_by_role("link", name=de("Share"))).to_be_visible()
    expect(guest.get_by_role("link", name=de("Slideshow"))).to_be_visible()
    # "Alle herunterladen (143,0 KB)": German words, and a German number.
    download_all = re.escape(de("Download all (%(size)s)", size="SIZE"))
    expect(guest.locator("[data-download-all]")).to_have_text(
        re.compile(download_all.replace("SIZE", r"\d+,\d\sKB"))
    )
    expect(guest.get_by_text(de("No app or account needed."))).to_be_visible()
    check_german(guest, findings)

    # Upload a good photo and a refused file: the refusal comes in German.
    guest.locator("input[type=file][name=photos]").set_input_files(corpus(GOOD[1], BAD))
    expect(guest.locator(".upload-result")).to_have_count(2)
    guest.get_by_label(de("Your name (optional)")).fill("Dana")
    guest.get_by_role("button", name=de("Done", js=True)).tap()
    expect(guest.locator(".upload-result-added")).to_have_count(1, timeout=20_000)
    rejected = guest.locator(".upload-result-rejected")
    expect(rejected).to_contain_text("text_renamed.jpg")
    expect(rejected).to_contain_text(
        de("This file isn't a photo or video we can add (it doesn't open as a photo).")
    )
    added = de(
        "%(count)s photo added", plural="%(count)s photos added", count=1, js=True
    )
    refused = de("%(count)s refused", plural="%(count)s refused", count=1, js=True)
    expect(guest.locator(".upload-summary")).to_have_text(
        f"{added} · {refused} – {de('details', js=True)}"
    )
    expect(guest.locator("[data-album-count]")).to_have_text(
        de("%(count)s photo", plural="%(count)s photos", count=2)
    )
    guest.wait_for_function(
        "() => [...document.querySelectorAll('.upload-result img, [data-photo-grid] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    check_german(guest, findings)
    screenshot(guest, "languages-de-album-320")

    # The viewer, on the host's photo: German labels and a German date.
    guest.reload()
    guest.locator(f"[data-photo-grid] a[href*='/p/{hosts_photo.pk}/']").tap()
    viewer = guest.locator("dialog.viewer")
    titles = [
        de("Photo %(number)s of %(total)s", js=True, number=number, total=2)
        for number in (1, 2)
    ]
    expect(viewer.locator(".viewer-title")).to_have_text(
        re.compile("|".join(f"^{re.escape(title)}$" for title in titles))
    )
    expect(viewer.get_by_role("button", name=de("Close", js=True))).to_be_visible()
    previous_or_next = "|".join(
        re.escape(de(label, js=True)) for label in ("Previous photo", "Next photo")
    )
    expect(
        viewer.get_by_role("button", name=re.compile(f"^({previous_or_next})$"))
    ).to_be_visible()
    # "Von Sam · aufgenommen am 22. Okt 2008, 16:28": a German month too.
    with translation.override("de"):
        taken = formats.date_format(
            hosts_photo.taken_at.astimezone(album.tzinfo),
            pgettext("date and time a photo was taken", "j M Y, H:i"),
        )
    caption = viewer.locator(".viewer-details figcaption")
    expect(caption).to_contain_text(de("By %(name)s", name="Sam"))
    expect(caption).to_contain_text(taken)
    expect(viewer.get_by_role("link", name=de("Download"), exact=True)).to_be_visible()
    guest.wait_for_function(
        "() => !document.querySelector('.viewer-stage').classList.contains('is-loading')"
    )
    check_german(guest, findings)
    screenshot(guest, "languages-de-viewer-320", full_page=False)

    # A take-down request from the viewer: the form and its confirmation.
    viewer.get_by_text(de("Are you in this photo? Ask for it to be taken down")).tap()
    viewer.get_by_label(de("Why? (optional)")).fill("Ich bin das, links.")
    expect(
        viewer.get_by_role("button", name=de("This is me, please remove it"))
    ).to_be_visible()
    check_german(guest, findings)
    viewer.get_by_role("button", name=de("This is me, please remove it")).tap()
    expect(guest.locator(".messages")).to_have_text(
        de("Thank you. The album's host has been asked to take this photo down.")
    )
    request = TakedownRequest.objects.get(photo=hosts_photo)
    assert request.reason == "Ich bin das, links."
    check_german(guest, findings)

    # The slideshow.
    guest.goto(album.get_absolute_url())
    guest.get_by_role("link", name=de("Slideshow")).tap()
    expect(guest).to_have_url(re.compile(f"/a/{album.code}/slideshow/"))
    expect(guest.get_by_role("button", name=de("Full screen"))).to_be_visible()
    expect(guest.get_by_role("link", name=de("Exit"))).to_be_visible()
    corner = guest.get_by_role("complementary", name=de("Join this album"))
    expect(corner).to_contain_text(de("Scan to add your photos"))
    check_german(guest, findings)

    # The share page.
    guest.get_by_role("link", name=de("Exit")).tap()
    guest.get_by_role("link", name=de("Share")).tap()
    expect(guest.get_by_role("heading", level=1)).to_have_text(
        de("Share %(album)s", album=album.name)
    )
    expect(guest.get_by_role("button", name=de("Copy the link"))).to_be_visible()
    expect(
        guest.get_by_role("heading", name=de("Cards for the tables"))
    ).to_be_visible()
    expect(guest.get_by_role("button", name=de("Print the card"))).to_be_visible()
    check_german(guest, findings)
    assert not findings, "\n".join(findings)


def test_a_guest_switches_to_spanish_and_stays_in_spanish(contexts):
    de, es = words_in("de"), words_in("es")
    host = User.objects.create_user("sam", first_name="Sam")
    album = Album.objects.create(name="Boda de Sam y Alex", user=host)
    photo, _ = add_photos(album, GOOD[:2], user=host)
    guest = contexts.page(PHONE, locale="de-DE")
    guest.goto(album.get_absolute_url())
    expect(guest.locator("html")).to_have_attribute("lang", "de")
    # language.js sends the form on a pick: no button to press.
    expect(guest.get_by_role("button", name=de("Change"))).to_be_hidden()

    # Picking Español sends the switcher's form at once: the page comes back
    # in Spanish, at the same address.
    with guest.expect_navigation():
        guest.get_by_label(de("Language")).select_option(label="Español")
    expect(guest).to_have_url(re.compile(f"/a/{album.code}/$"))
    expect(guest.locator("html")).to_have_attribute("lang", "es")
    expect(guest.get_by_text(es("Add photos and videos"))).to_be_visible()
    expect(guest.get_by_role("link", name=es("Share"))).to_be_visible()
    expect(guest.get_by_label(es("Language"))).to_have_value("es")
    assert english_on(guest) == []
    screenshot(guest, "languages-es-album")

    # It stays Spanish though the phone still asks for German: the viewer
    # (the JavaScript's words too), the photo's page, the share page, home.
    guest.locator(f"[data-photo-grid] a[href*='/p/{photo.pk}/']").tap()
    viewer = guest.locator("dialog.viewer")
    expect(viewer.get_by_role("button", name=es("Close", js=True))).to_be_visible()
    expect(viewer.get_by_text(es("By %(name)s", name="Sam"))).to_be_visible()
    expect(viewer.get_by_role("link", name=es("Download"), exact=True)).to_be_visible()
    guest.keyboard.press("Escape")
    guest.goto(photo.get_absolute_url())
    expect(guest.locator("html")).to_have_attribute("lang", "es")
    expect(guest.get_by_role("link", name=es("Download"), exact=True)).to_be_visible()
    guest.goto(f"/a/{album.code}/share/")
    expect(guest.get_by_role("heading", level=1)).to_have_text(
        es("Share %(album)s", album=album.name)
    )
    guest.goto("/")
    expect(guest.locator("html")).to_have_attribute("lang", "es")
    assert guest.evaluate("() => navigator.languages[0]") == "de-DE"


def test_an_album_set_to_french_speaks_french_to_a_browser_with_no_preference(
    contexts, live_server
):
    fr = words_in("fr")
    host = User.objects.create_user("sam", first_name="Sam")
    album = Album.objects.create(name="Mariage de Sam et Alex", user=host)
    add_photos(album, GOOD[:2], user=host)

    # The host sets the album's language in its settings.
    host_context = contexts.new(DESKTOP, locale="en-GB")
    log_in(host_context, live_server, host)
    settings_page = host_context.new_page()
    settings_page.goto(f"/a/{album.code}/settings/")
    settings_page.get_by_label("Album language").select_option(label="Français")
    settings_page.get_by_role("button", name="Save settings").click()
    expect(settings_page.get_by_text("Settings saved.")).to_be_visible()
    album.refresh_from_db()
    assert album.language == "fr"
    # The host's own pages stay in their language.
    expect(settings_page.locator("html")).to_have_attribute("lang", "en")

    # A browser that asks for no language: Chromium sends the header empty.
    guest = contexts.page(PHONE, extra_http_headers={"Accept-Language": ""})
    asked = []
    guest.on(
        "request",
        lambda request: (
            request.resource_type == "document"
            and asked.append(request.all_headers().get("accept-language"))
        ),
    )
    guest.goto(album.get_link_url())
    expect(guest).to_have_url(re.compile(f"/a/{album.code}/$"))
    assert asked and set(asked) <= {None, ""}, asked
    expect(guest.locator("html")).to_have_attribute("lang", "fr")
    expect(guest.get_by_text(fr("Add photos and videos"))).to_be_visible()
    expect(guest.get_by_role("link", name=fr("Share"))).to_be_visible()
    expect(guest.get_by_role("link", name=fr("Slideshow"))).to_be_visible()
    expect(guest.get_by_label(fr("Language"))).to_have_value("fr")
    assert english_on(guest) == []
    findings = []
    open_viewer(guest, "languages-fr-no-preference-viewer", findings)
    screenshot(guest, "languages-fr-no-preference-album")
    assert not findings, "\n".join(findings)

    # Off the album, the site speaks its own language.
    guest.goto("/")
    expect(guest.locator("html")).to_have_attribute("lang", settings.LANGUAGE_CODE)
    expect(guest.get_by_role("button", name="Join")).to_be_visible()


def test_guest_pages_are_accessible_in_every_language(contexts, live_server):
    host = User.objects.create_user("sam", first_name="Sam")
    album = Album.objects.create(name="Sam & Alex", user=host)
    add_photos(album, PHOTOS[:2], user=host)
    photo = album.photos.order_by("id").first()
    code = album.code
    pages = [
        ("/", "home"),
        (f"/a/{code}/", "album"),
        (photo.get_absolute_url(), "photo"),
        (f"{photo.get_absolute_url()}takedown/", "takedown"),
        (f"/a/{code}/share/", "share"),
        (f"/a/{code}/slideshow/", "slideshow"),
    ]
    findings = []
    for language, _name in settings.LANGUAGES:
        # German, the longest, on the narrowest phone; the others at desktop
        # size (axe's rules don't depend on the width).
        german = language == "de"
        guest = contexts.page(NARROW_PHONE if german else DESKTOP, locale=language)
        for path, name in pages:
            visit(guest, path, f"languages-{language}-{name}", findings, shoot=german)
            expect(guest.locator("html")).to_have_attribute("lang", language)
            if language != settings.LANGUAGE_CODE and (leaked := english_on(guest)):
                findings.append(
                    f"{guest.url}: English on a page in {language}: {leaked}"
                )
            if german:
                check_narrow(guest, findings)
            if name == "album":
                with translation.override(language):
                    add_label = translation.gettext("Add photos and videos")
                expect(guest.get_by_text(add_label)).to_be_visible()
                open_viewer(guest, f"languages-{language}-viewer", findings)

    # The hosts' pages in German at 320 px too: the home page's dashboard and
    # the album's settings, the longest form.
    host_context = contexts.new(NARROW_PHONE, locale="de-DE")
    log_in(host_context, live_server, host)
    page = host_context.new_page()
    for path, name in (("/", "dashboard"), (f"/a/{code}/settings/", "settings")):
        visit(page, path, f"languages-de-{name}", findings, axe=False)
        check_narrow(page, findings)
    assert not findings, "\n".join(findings)
