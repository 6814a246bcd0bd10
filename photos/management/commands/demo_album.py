import io
import random
import secrets
from datetime import datetime, timedelta

import segno
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from PIL import Image, ImageDraw, ImageFont

from albums.models import Album
from photos import ingest
from photos.models import Tag

DEMO_USERNAME = "demo"
# (file name, two sky colours, description, guest name: "" for the demo host)
DEMO_PHOTOS = [
    (
        "welcome.jpg",
        ((250, 204, 21), (234, 88, 12)),
        "Welcome drinks on the terrace",
        "",
    ),
    ("first-dance.jpg", ((244, 114, 182), (109, 40, 217)), "The first dance", "Sam"),
    ("cake.jpg", ((134, 239, 172), (21, 128, 61)), "", "Alex"),
    ("speeches.jpg", ((125, 211, 252), (30, 64, 175)), "Speeches, and a few tears", ""),
    ("dance-floor.jpg", ((253, 164, 175), (190, 18, 60)), "", "Sam"),
    ("fireworks.jpg", ((71, 85, 105), (15, 23, 42)), "Fireworks at midnight", "Jo"),
]


def demo_photo(index, colours, title, size=(1600, 1200)):
    """A JPEG of a made-up party scene: a sky gradient, confetti, a title and
    EXIF "date taken", so the demo's photos sort like real ones."""
    width, height = size
    top, bottom = colours
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(
                round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)
            ),
        )
    dice = random.Random(index)
    for _ in range(140):
        x, y, r = dice.randrange(width), dice.randrange(height), dice.randrange(6, 40)
        draw.ellipse(
            [x - r, y - r, x + r, y + r],
            fill=tuple(dice.randrange(60, 256) for _ in range(3)),
        )
    font = ImageFont.load_default(size=110)
    draw.text(
        (width // 2, height // 2),
        title,
        fill="white",
        font=font,
        anchor="mm",
        stroke_width=6,
        stroke_fill="black",
    )
    exif = Image.Exif()
    taken = datetime(2026, 6, 20, 18, 30) + timedelta(minutes=47 * index)
    exif[0x8769] = {
        0x9003: taken.strftime("%Y:%m:%d %H:%M:%S")
    }  # Exif IFD: DateTimeOriginal
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()


class Command(BaseCommand):
    help = (
        "Create a demo host and album with a few generated photos, so a newcomer "
        "sees the product at once. "
        "Only on the embedded default (DEBUG on, SQLite): never in production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=(
                "Only when there are no albums yet; elsewhere than on the embedded "
                "default, say so and do nothing."
            ),
        )
        parser.add_argument(
            "--site-url",
            help=(
                "Where the site is served, for the link printed (default: SITE_URL, "
                "else http://127.0.0.1:8000)."
            ),
        )
        parser.add_argument(
            "--qr",
            action="store_true",
            help=(
                "Also print a QR code of the demo album's link (of the site, when "
                "there is no demo album) for a phone's camera."
            ),
        )

    def handle(self, if_empty=False, site_url=None, qr=False, **options):
        self.site_url = (
            site_url or settings.SITE_URL or "http://127.0.0.1:8000"
        ).rstrip("/")
        self.qr_url = self.site_url + "/"
        self.make_demo(if_empty)
        if qr:
            self.print_qr(self.qr_url)

    def make_demo(self, if_empty):
        refusal = self.refusal()
        if refusal:
            if if_empty:  # ./dev serve runs this on every start: a note, not a failure
                self.stderr.write(f"No demo album: {refusal}")
                return
            raise CommandError(refusal)
        if if_empty and Album.objects.exists():
            demo = (
                Album.objects.filter(user__username=DEMO_USERNAME)
                .order_by("created_at")
                .first()
            )
            if demo is not None:  # each start of ./dev serve says where the demo is
                self.describe(demo)
                self.stdout.write(
                    f"  Host: log in as {DEMO_USERNAME} (password printed when it was made; "
                    f"`manage.py changepassword {DEMO_USERNAME}` sets a new one)"
                )
            return

        user = User.objects.filter(username=DEMO_USERNAME).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(9)
            user = User.objects.create_user(
                DEMO_USERNAME, password=password, first_name="Sam"
            )
        album = Album.objects.create(
            name="Demo: Sam & Alex's wedding", user=user, host_name="Sam & Alex"
        )
        for index, (filename, colours, description, guest_name) in enumerate(
            DEMO_PHOTOS
        ):
            title = (
                description
                or filename.removesuffix(".jpg").replace("-", " ").capitalize()
            )
            file = ContentFile(demo_photo(index, colours, title), name=filename)
            result = ingest.add(
                album,
                file,
                user=None if guest_name else user,
                guest_name=guest_name,
                filename=filename,
            )
            if result.status != ingest.ADDED:
                raise CommandError(f"{filename}: {result.message}")
            if description:
                Tag.objects.create(
                    photo=result.photo, key=Tag.DESCRIPTION, value=description
                )

        self.describe(album)
        if password:
            self.stdout.write(
                f"  Host: log in as {DEMO_USERNAME} with the password {password}"
            )

    def describe(self, album):
        self.qr_url = f"{self.site_url}{album.get_link_url()}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo album {album.name!r} with {album.photos.count()} photos."
            )
        )
        self.stdout.write(f"  Code: {album.display_code}")
        self.stdout.write(f"  Open: {self.qr_url}")

    def print_qr(self, url):
        """A QR code of `url` in the terminal, two rows of modules a line. On a
        terminal it is drawn white on black whatever the terminal's colours
        (segno draws the light modules as blocks), so a camera reads it on a
        light theme too."""
        buffer = io.StringIO()
        segno.make(url, error="m").terminal(out=buffer, compact=True, border=2)
        lines = buffer.getvalue().splitlines()
        if getattr(self.stdout, "isatty", lambda: False)():
            lines = [f"\x1b[97;40m{line}\x1b[0m" for line in lines]
        self.stdout.write(f"Scan with your phone's camera to open {url}")
        for line in lines:
            self.stdout.write(line)

    def refusal(self):
        """Why no demo album may be made here, or None on the embedded default."""
        if not settings.DEBUG:
            return (
                "DEBUG is off: demo albums are for trying PartyShots out locally, "
                "never for production."
            )
        if connection.vendor != "sqlite":
            return (
                f"the database is {connection.vendor}, not the embedded SQLite: "
                "demo albums are for local tries only."
            )
        return None
