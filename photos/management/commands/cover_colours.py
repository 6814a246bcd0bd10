"""Give album covers added before photos had a colour (Photo.colour) theirs,
from their thumbnails, so the album page and the home page's cards draw in
them. Photos added since get theirs when they are added; this reads one
thumbnail per cover still without one, and is safe to run again."""

from django.core.management.base import BaseCommand

from albums.models import Album
from core import storage
from photos.images.colour import dominant_colour
from photos.models import Photo


class Command(BaseCommand):
    help = "Pick the colour of every album cover that has none yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Every photo without a colour, not only covers.",
        )

    def handle(self, *args, **options):
        photos = Photo.objects.filter(colour="")
        if not options["all"]:
            photos = photos.filter(
                pk__in=Album.objects.filter(thumbnail__isnull=False).values("thumbnail")
            )
        done = missing = 0
        for photo in photos.only("pk", "tlink").iterator():
            try:
                thumbnail = b"".join(storage.iter_object(photo.tlink))
            except Exception as exc:  # a missing or unreadable object: go on
                missing += 1
                self.stderr.write(f"photo {photo.pk}: {photo.tlink}: {exc}")
                continue
            colour = dominant_colour(thumbnail)
            if colour:
                Photo.objects.filter(pk=photo.pk).update(colour=colour)
                done += 1
        self.stdout.write(
            f"{done} photo{'s' if done != 1 else ''} given a colour"
            + (f", {missing} unreadable" if missing else "")
            + "."
        )
