"""Which rendition Chromium loads for the album grid (srcset, sizes): a phone
of 390x844 CSS px at 3 device pixels a CSS pixel (the tile is 116.7 px, 350
device px) takes the small WebP square; a desktop at 2 device pixels, whose
tiles need more pixels than it has, the thumbnail; a photo added before there
was a small rendition, its thumbnail."""

import pytest
from django.contrib.auth.models import User
from django.core.files import File

from albums.models import Album
from albums.tests.base import store_photo
from albums.tests.browser.conftest import DESKTOP, PHONE, corpus
from photos import ingest

pytestmark = pytest.mark.browser

PHOTOS = [
    "real_photos/DSCN0010.jpg",  # 4:3
    "real_photos/samsung_gt-i9000.jpg",  # 3:4 by EXIF orientation
    "formats/iphone_xr_rotated.heic",
]
ALL_TILES_LOADED = """() => {
  const tiles = [...document.querySelectorAll('.photo-grid img')];
  return tiles.length > 0 && tiles.every(img => img.complete && img.naturalWidth > 0);
}"""
TILES = """() => [...document.querySelectorAll('.photo-grid img')].map(img => ({
  src: img.currentSrc, width: img.getBoundingClientRect().width}))"""


@pytest.fixture
def album(live_server):
    owner = User.objects.create_user("sam", password="unused")
    album = Album.objects.create(name="Sam & Alex's wedding", user=owner)
    photos = []
    for path in corpus(*PHOTOS):
        with open(path, "rb") as fh:
            outcome = ingest.add(
                album, File(fh, name=path.rsplit("/", 1)[-1]), user=owner
            )
        assert outcome.status == "added", outcome.message
        photos.append(outcome.photo)
    # Added before the small rendition existed (store_photo makes no small_link).
    older = store_photo(album, user=owner)
    return album, photos, older


def tiles_on(contexts, live_server, album, device):
    page = contexts.page(device)
    page.goto(f"{live_server.url}/a/{album.code}/")
    # The tiles are lazy: bring them all into view.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(ALL_TILES_LOADED)
    return page.evaluate(TILES)


def key_of(src):
    return src.split("?", 1)[0].rsplit("/", 1)[-1]


def test_a_phone_at_dpr_3_loads_the_small_square(contexts, live_server, album):
    album, photos, older = album
    tiles = {
        key_of(tile["src"]): tile
        for tile in tiles_on(
            contexts, live_server, album, {**PHONE, "device_scale_factor": 3}
        )
    }
    for photo in photos:
        small = photo.small_link.rsplit("/", 1)[-1]
        assert small.endswith("_s.webp")
        assert small in tiles, (small, list(tiles))
        # The width GRID_SIZES gives: 3 columns of (390 - 32 - 8) / 3.
        assert abs(tiles[small]["width"] - 116.67) < 0.5, tiles[small]
    assert older.tlink.rsplit("/", 1)[-1] in tiles


def test_a_desktop_at_dpr_2_keeps_the_thumbnail(contexts, live_server, album):
    album, photos, _older = album
    tiles = tiles_on(
        contexts, live_server, album, {**DESKTOP, "device_scale_factor": 2}
    )
    loaded = {key_of(tile["src"]) for tile in tiles}
    for photo in photos:
        assert photo.tlink.rsplit("/", 1)[-1] in loaded, loaded


def test_a_desktop_at_dpr_1_loads_the_small_square(contexts, live_server, album):
    album, photos, _older = album
    loaded = {
        key_of(tile["src"]) for tile in tiles_on(contexts, live_server, album, DESKTOP)
    }
    for photo in photos:
        assert photo.small_link.rsplit("/", 1)[-1] in loaded, loaded
