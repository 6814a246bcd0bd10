from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from albums.codes import normalize_code
from albums.models import Album
from photos import ingest


class Command(BaseCommand):
    help = (
        "Import image files or folders (recursively) into the album with this code, "
        "through the same checks as uploads. The album's owner becomes the uploader. "
        "Exits non-zero if any file was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="The album's code (any typing of it).")
        parser.add_argument("paths", nargs="+", help="Files or folders to import.")

    def handle(self, code, paths, **options):
        album = (
            Album.objects.filter(code=normalize_code(code) or "")
            .select_related("user")
            .first()
        )
        if album is None:
            raise CommandError(f"No album with the code {code!r}.")
        counts = {"added": 0, "duplicate": 0, "rejected": 0}
        for path in self.files(paths):
            with open(path, "rb") as fh:
                result = ingest.add(album, File(fh, name=path.name), user=album.user)
            if result.status == ingest.UNAVAILABLE:
                raise CommandError(f"{path}: {result.message}")
            counts[result.status] += 1
            line = (
                result.status
                if result.status != "rejected"
                else f"rejected: {result.message}"
            )
            self.stdout.write(f"{path}: {line}")
        self.stdout.write(
            f"{counts['added']} added, {counts['duplicate']} duplicate, "
            f"{counts['rejected']} rejected "
            f"into {album.name} ({album.display_code})."
        )
        if counts["rejected"]:
            raise CommandError(f"{counts['rejected']} file(s) rejected.", returncode=1)

    def files(self, paths):
        for name in paths:
            path = Path(name)
            if path.is_dir():
                yield from sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and not p.name.startswith(".")
                )
            elif path.is_file():
                yield path
            else:
                raise CommandError(f"{name}: no such file or folder.")
