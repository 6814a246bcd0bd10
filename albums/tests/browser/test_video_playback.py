"""Video clips in a real Chromium on a phone-sized screen: the viewer plays an
H.264 clip from its signed URL and seeks to its middle (on the local signed
storage, whose media view answers ranges, and on SeaweedFS's pre-signed
URLs), swiping goes on to the next item; the slideshow plays clips muted,
picks up a new one like a photo and moves on when it ends."""

import pytest
from django.contrib.auth.models import User
from django.test.testcases import _MediaFilesHandler
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.base import store_photo
from albums.tests.browser.conftest import PHONE, axe_violations, screenshot
from albums.tests.browser.test_journeys import swipe
from core.tests.support import local_storage
from photos.tests.clips import ffmpeg_or_skip, store_clip

pytestmark = pytest.mark.browser

# Resolves with the position once a seek to the middle has landed; rejects on
# a media error, or if no `seeked` comes.
SEEK_TO_MIDDLE = """async (selector) => {
  const video = document.querySelector(selector);
  const landed = new Promise((resolve, reject) => {
    video.addEventListener("seeked", () => resolve(video.currentTime), {once: true});
    video.addEventListener("error", () => reject(new Error("media error")), {once: true});
    setTimeout(() => reject(new Error("no seeked event")), 8000);
  });
  video.currentTime = 1;
  return await landed;
}"""


@pytest.fixture(params=["local", "seaweedfs"])
def clip_storage(request, monkeypatch):
    """The clips on the local signed storage (served by core.views.media) or
    on SeaweedFS (pre-signed URLs it checks)."""
    ffmpeg_or_skip()
    if request.param == "local":
        # Django's live server answers MEDIA_URL itself from MEDIA_ROOT
        # (django.views.static.serve: no signature, no ranges); let the
        # requests through to the site's own media view, as deployed.
        monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda *args: False)
        with local_storage():
            yield
    else:
        request.getfixturevalue("strict_s3_storage")
        yield


@pytest.fixture
def host():
    return User.objects.create_user("sam", password="unused")


def test_the_viewer_plays_a_clip_seeks_to_its_middle_and_swipes_on(
    clip_storage, host, contexts, request
):
    album = Album.objects.create(name="First dance", user=host)
    clip = store_clip(album, guest_name="Dana")  # taken first: the grid's second
    store_photo(album, user=host)  # newest first
    page = contexts.page(PHONE)
    failed = []
    page.on(
        "response",
        lambda response: response.status >= 400 and failed.append(response.url),
    )
    clip_responses = []
    name = clip.link.rsplit("/", 1)[-1]
    page.on(
        "response",
        lambda response: name in response.url and clip_responses.append(response),
    )
    page.goto(f"/a/{album.code}/")

    tile = page.get_by_role("link", name="Video, 0:02, by Dana")
    expect(tile.locator(".video-duration")).to_have_text("0:02")
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
    assert not axe_violations(page)
    screenshot(page, f"video-grid-phone-{request.node.callspec.id}")
    tile.click()
    viewer = page.locator("dialog.viewer")
    expect(viewer.locator(".viewer-title")).to_have_text("Video 2 of 2")
    video = viewer.locator("video.viewer-video")
    expect(video).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('dialog.viewer video').readyState >= 1"
    )
    state = page.evaluate(
        """() => {
          const video = document.querySelector('dialog.viewer video');
          return {paused: video.paused, muted: video.muted, autoplay: video.autoplay,
                  controls: video.controls, inline: video.playsInline,
                  poster: video.poster, duration: video.duration};
        }"""
    )
    assert state["paused"] and not state["muted"] and not state["autoplay"]
    assert state["controls"] and state["inline"]
    assert clip.display_link.rsplit("/", 1)[-1] in state["poster"]
    assert state["duration"] == pytest.approx(2, abs=0.1)

    assert page.evaluate(SEEK_TO_MIDDLE, "dialog.viewer video") == pytest.approx(
        1, abs=0.05
    )
    assert (
        page.evaluate("() => document.querySelector('dialog.viewer video').error")
        is None
    )
    # The clip came by range requests, which storage answered as such.
    assert clip_responses
    assert all(response.status == 206 for response in clip_responses)
    assert all(
        response.headers.get("accept-ranges") == "bytes" for response in clip_responses
    )
    assert not axe_violations(page, "dialog.viewer")
    screenshot(page, f"video-viewer-phone-{request.node.callspec.id}", full_page=False)

    # A swipe to the right goes back to the photo: the clip stops and goes.
    swipe(page, ".viewer-stage", 200)
    expect(viewer.locator(".viewer-title")).to_have_text("Photo 1 of 2")
    expect(viewer.locator("video")).to_have_count(0)
    expect(viewer.locator(".viewer-img")).to_be_visible()

    # The clip's own page (what the overlay loads, and all there is without
    # JavaScript) plays it the same way.
    page.goto(clip.get_absolute_url())
    page.wait_for_function(
        "() => document.querySelector('video.photo-video').readyState >= 1"
    )
    assert page.evaluate(SEEK_TO_MIDDLE, "video.photo-video") == pytest.approx(
        1, abs=0.05
    )
    screenshot(page, f"video-page-phone-{request.node.callspec.id}", full_page=False)
    assert not failed, failed


def test_the_slideshow_plays_a_lone_clip_muted(host, contexts):
    ffmpeg_or_skip()
    album = Album.objects.create(name="Speeches", user=host)
    store_clip(album, guest_name="Dana")
    page = contexts.page(PHONE)
    page.goto(f"/a/{album.code}/slideshow/")

    video = page.locator("video.slideshow-video.is-shown")
    expect(video).to_have_count(1)
    page.wait_for_function(
        "() => document.querySelector('video.slideshow-video').currentTime > 0.5"
    )
    state = page.evaluate(
        """() => {
          const video = document.querySelector('video.slideshow-video');
          return {muted: video.muted, paused: video.paused, error: video.error};
        }"""
    )
    assert state == {"muted": True, "paused": False, "error": None}
    expect(page.locator("[data-slideshow-caption]")).to_have_text("Dana")
    # Alone in the album, it plays again once it ends.
    page.wait_for_function(
        """() => {
          const video = document.querySelector('video.slideshow-video');
          window.seenEnd = window.seenEnd || video.currentTime > 1.5;
          return window.seenEnd && video.currentTime < 1 && !video.paused;
        }""",
        polling=50,
        timeout=10_000,
    )


def test_the_slideshow_picks_up_a_new_clip_then_moves_on(host, contexts):
    ffmpeg_or_skip()
    album = Album.objects.create(name="Party", user=host)
    store_photo(album, user=host)
    page = contexts.page(PHONE)
    # New items are looked for every second and come after the photo on
    # screen (3 s); a clip gives way at its end (2 s), long before its stall
    # timer (SLIDESHOW_VIDEO_SECONDS and 10 s more).
    page.goto(f"/a/{album.code}/slideshow/?poll=1&every=3")
    expect(page.locator("img.slideshow-photo.is-shown")).to_have_count(1)

    store_clip(album, guest_name="Eve")
    expect(page.locator("video.slideshow-video.is-shown")).to_have_count(
        1, timeout=10_000
    )
    page.wait_for_function(
        "() => document.querySelector('video.slideshow-video').currentTime > 0.3"
    )
    assert page.evaluate("() => document.querySelector('video.slideshow-video').muted")
    expect(page.locator("[data-slideshow-caption]")).to_have_text("Eve")
    # The 2 s clip ends: back to the photo, and the clip is dropped.
    expect(page.locator("img.slideshow-photo.is-shown")).to_have_count(
        1, timeout=10_000
    )
    expect(page.locator("video.slideshow-video")).to_have_count(0, timeout=5_000)
