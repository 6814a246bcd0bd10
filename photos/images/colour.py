"""A photo's colour, for the pages that use a cover as colour (the album's
hero, the cards on the home page): dominant_colour() picks it once, from the
thumbnail's JPEG bytes, when the photo is added (about a millisecond: the
JPEG is decoded at an eighth of its size); tone() turns it into the two
classes static/css/site.css draws with (.tone-h<hue> .tone-s<saturation>),
so pages need no inline style and every colour they draw has been checked for
contrast (photos/tests/test_colour.py)."""

import colorsys
import io

from PIL import Image

# Hues in steps of 15 degrees (24 classes) and three saturations: enough that a
# blue garden party and a red dance floor look their own, few enough for the
# stylesheet to hold and for a test to check each.
HUE_STEP = 15
HUES = 360 // HUE_STEP
# Saturation below NEUTRAL (or a colour too dark or light to tell) is grey.
NEUTRAL = 0.12
VIVID = 0.4


def dominant_colour(jpeg):
    """The colour that stands for the image in JPEG bytes `jpeg`: of a few
    colours it is reduced to, the most common, favouring vivid ones over
    greys and near-black or near-white. "#rrggbb", or "" if it can't be
    read."""
    try:
        with Image.open(io.BytesIO(jpeg)) as im:
            im.draft("RGB", (64, 64))
            small = im.convert("RGB")
            small.thumbnail((48, 48))
        reduced = small.quantize(colors=8, method=Image.Quantize.FASTOCTREE)
        palette = reduced.getpalette()
        best, best_score = None, -1.0
        for count, index in reduced.getcolors():
            r, g, b = palette[index * 3 : index * 3 + 3]
            hue, lightness, saturation = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
            weight = 0.35 + saturation
            if lightness < 0.1 or lightness > 0.92:
                weight *= 0.25
            score = count * weight
            if score > best_score:
                best, best_score = (r, g, b), score
    except Exception:  # any decoding trouble: no colour, the page's own
        return ""
    if best is None:
        return ""
    return "#{:02x}{:02x}{:02x}".format(*best)


def tone(colour):
    """(hue class, saturation class) of "#rrggbb", e.g. (7, 2): hue 105
    degrees, vivid; None for "" or anything else."""
    if not isinstance(colour, str) or len(colour) != 7 or colour[0] != "#":
        return None
    try:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except ValueError:
        return None
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    if saturation < NEUTRAL or lightness < 0.06 or lightness > 0.96:
        return (0, 0)
    level = 2 if saturation >= VIVID else 1
    return (round(hue * HUES) % HUES, level)


def tone_classes(colour):
    """The classes for an element drawn in this colour's tone, or ""."""
    found = tone(colour)
    if found is None:
        return ""
    hue, level = found
    return f"tone tone-h{hue} tone-s{level}"
