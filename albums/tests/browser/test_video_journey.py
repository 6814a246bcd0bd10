"""Video clips end to end, as at a wedding: a guest on a phone adds an
iPhone-style HEVC clip and an H.264 clip from the page, straight to a strict
S3 (SeaweedFS), processed by a real Celery worker on the video queue; both
play in the viewer (with a seek), the slideshow plays one, Download all holds
both, and another guest's download of the HEVC clip carries no location."""

import re
import zipfile

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import PHONE, screenshot
from photos.models import Photo
from photos.tests import clips
from photos.tests.clips import LOCATION
from photos.tests.worker import celery_worker, enqueue_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYS_AND_SEEKS = """async video => {
    if (video.readyState < 1) {
        await new Promise((resolve, reject) => {
            video.addEventListener("loadedmetadata", resolve, {once: true});
            video.addEventListener("error", () => reject(video.error), {once: true});
            video.load();
        });
    }
    const seeked = new Promise(resolve =>
        video.addEventListener("seeked", resolve, {once: true}));
    video.currentTime = video.duration / 2;
    await seeked;
    return {
        duration: video.duration, at: video.currentTime, error: video.error,
        width: video.videoWidth, height: video.videoHeight,
    };
}"""


@pytest.fixture
def video_worker(strict_s3_storage, tmp_path):
    """A real worker on the same bucket and database as the live server."""
    seaweedfs, bucket = strict_s3_storage
    env = {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": seaweedfs.endpoint_url,
        "AWS_S3_REGION_NAME": seaweedfs.region,
        "AWS_ACCESS_KEY_ID": seaweedfs.access_key,
        "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_key,
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    with celery_worker(tmp_path, extra_env=env) as worker, enqueue_to(worker):
        yield worker


def test_guests_add_play_and_download_clips(contexts, video_worker, tmp_path):
    clips.ffmpeg_or_skip()
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    hevc = tmp_path / "IMG_0001.MOV"
    hevc.write_bytes(clips.read(clips.iphone_hevc()))
    h264 = tmp_path / "VID_0002.mp4"
    h264.write_bytes(clips.read(clips.h264_faststart()))

    # A guest on a phone picks both clips with the one Add button.
    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    file_input = guest.locator("input[type=file]").first
    assert "video/*" in file_input.get_attribute("accept")
    file_input.set_input_files([str(hevc), str(h264)])
    (
        expect(guest.locator(".upload-result-added")).to_have_count(2, timeout=90_000),
        video_worker.log(),
    )
    assert "photos.tasks.process_video" in video_worker.log()
    hevc_clip = Photo.objects.get(filename="IMG_0001.MOV")
    assert hevc_clip.playback_link and hevc_clip.location_free_link

    # The grid shows two posters with a play mark and their length.
    guest.reload()
    tiles = guest.locator("[data-photo-grid] a[data-video]")
    expect(tiles).to_have_count(2)
    expect(guest.locator(".video-duration").first).to_have_text(re.compile(r"0:0\d"))
    screenshot(guest, "video-grid-phone")
    guest.screenshot(path="/tmp/video-grid-phone.png")

    # Both play in the viewer, seeking to the middle.
    for index in range(2):
        tiles.nth(index).tap()
        video = guest.locator("dialog.viewer video")
        expect(video).to_be_visible()
        state = video.evaluate(PLAYS_AND_SEEKS)
        assert state["error"] is None, state
        assert state["at"] > 0.5, state
        if index == 0:
            screenshot(guest, "video-viewer-phone")
            guest.screenshot(path="/tmp/video-viewer-phone.png")
        guest.go_back()
    # The HEVC clip plays from its H.264 copy, upright (portrait).
    tiles.filter(has=guest.locator("img[alt*='0:02']")).first.tap()
    state = guest.locator("dialog.viewer video").evaluate(PLAYS_AND_SEEKS)
    assert (state["width"], state["height"]) == (240, 320), state
    guest.go_back()

    # The slideshow plays a clip, muted.
    tv = contexts.page()
    tv.goto(f"/a/{album.code}/slideshow/?every=2")
    tv.wait_for_function(
        "() => [...document.querySelectorAll('video')]"
        ".some(v => v.muted && v.currentTime > 0.3)",
        timeout=30_000,
    )

    # Download all holds both clips.
    with guest.expect_download() as download_info:
        guest.get_by_role("link", name=re.compile("^Download all")).tap()
    with zipfile.ZipFile(download_info.value.path()) as archive:
        names = archive.namelist()
    assert sorted(name.rsplit(" ", 1)[1] for name in names) == [
        "IMG_0001.MOV",
        "VID_0002.mp4",
    ]

    # Another guest's download of the HEVC clip has no location in it; the
    # uploader's is the original.
    other = contexts.page(PHONE)
    for page, has_location in ((other, False), (guest, True)):
        page.goto(hevc_clip.get_absolute_url())
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download", exact=True).first.tap()
        data = download_info.value.path().read_bytes()
        assert (LOCATION.encode() in data) is has_location
