"""The image work: plain functions on bytes and Pillow images, no Django
models, no storage. Use it as `from photos import images`, then
`images.process(...)`.

- formats.py: the policy. Which formats we take (an explicit allowlist, named
  in ALLOWED_NAMES), their content types and extensions, the pixel limit and
  the decoding budget, naming what a refused file is, RejectedImage and its
  messages. Importing the package registers pillow-heif's HEIF/AVIF opener.
- renditions.py: process(), which checks an upload and makes its Renditions
  (thumbnail, the grid's small WebP square, display image, copy without
  location) from one decode; resizing, orientation, colour management to
  sRGB, encode_jpeg(), grid_widths() for the grid's srcset.
- metadata.py: reading EXIF (orientation, location, when taken) and JPEG
  segment surgery: jpeg_without_metadata() and friends, which remove metadata
  and leave the image data byte for byte the same.

The policy (see photos/tests/corpus/README.md): an explicit allowlist of
formats, a pixel limit checked on the header before anything is decoded,
every frame decoded (up to a cap), and any exception from the decoders is a
rejection.
"""

from photos.images.formats import (
    ALLOWED_FORMATS,
    ALLOWED_NAMES,
    CONTENT_TYPES,
    DAMAGED,
    EMPTY,
    EXTENSIONS,
    UNSTRIPPABLE_LOCATION,
    WE_TAKE,
    RejectedImage,
    describe_non_image,
    identify_format,
    not_taken_message,
    takes_an,
)
from photos.images.metadata import jpeg_frame, jpeg_scan_data, jpeg_without_metadata
from photos.images.renditions import (
    DISPLAY_SIZE,
    RENDITION_CONTENT_TYPE,
    SMALL_CONTENT_TYPE,
    SMALL_SIZE,
    THUMBNAIL_SIZE,
    Renditions,
    encode_jpeg,
    grid_widths,
    poster_renditions,
    process,
)

__all__ = [
    "ALLOWED_FORMATS",
    "ALLOWED_NAMES",
    "CONTENT_TYPES",
    "DAMAGED",
    "DISPLAY_SIZE",
    "EMPTY",
    "EXTENSIONS",
    "RENDITION_CONTENT_TYPE",
    "SMALL_CONTENT_TYPE",
    "SMALL_SIZE",
    "THUMBNAIL_SIZE",
    "UNSTRIPPABLE_LOCATION",
    "WE_TAKE",
    "RejectedImage",
    "Renditions",
    "describe_non_image",
    "encode_jpeg",
    "grid_widths",
    "identify_format",
    "jpeg_frame",
    "jpeg_scan_data",
    "jpeg_without_metadata",
    "not_taken_message",
    "poster_renditions",
    "process",
    "takes_an",
]
