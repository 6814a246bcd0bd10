"""Find (and with --delete remove) storage objects no photo refers to, and
report photos whose objects are missing; end direct uploads abandoned on the
way (and their parts and objects under incoming/).

Photos in the trash (photos.trash) count as photos: their objects are
referenced, never orphans, until the purge deletes rows and objects together;
and they are checked for missing objects like any other.

Built for buckets of millions of objects, holding little in memory:
- Orphans: the listing is read page by page; each batch of keys is checked
  against the database in one query over the key columns.
- Missing objects: photo rows are read with .iterator(), grouped by album, and
  each key is looked up in the listing of its folder (albums/<id>/), listed
  once and kept in a small cache: one LIST request per 1,000 objects instead
  of one HEAD request per key. The few keys found missing are checked once
  more (photo still there, object still absent) before they are reported,
  so a photo deleted while the command ran is not reported.
"""

import itertools
from collections import OrderedDict
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from core import storage
from photos.direct_uploads import INCOMING
from photos.models import Photo, Upload

KEY_FIELDS = (
    "link",
    "tlink",
    "small_link",
    "display_link",
    "location_free_link",
    "playback_link",
)
# Keys per database query: 6 × 500 parameters, within every backend's limit.
BATCH_SIZE = 500
CACHED_FOLDERS = 16


class Command(BaseCommand):
    help = (
        "Compare stored objects with photo rows: report objects no photo refers to "
        "(orphans) and photos whose objects are missing. "
        "A dry run unless --delete is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Delete the orphans older than the grace period.",
        )
        parser.add_argument(
            "--grace-seconds",
            type=int,
            default=3600,
            help=(
                "Leave alone orphans younger than this, so uploads in flight are safe "
                "(default: 3600)."
            ),
        )
        parser.add_argument(
            "--prefix",
            default="albums/",
            help="Only look at keys under this prefix (default: albums/).",
        )

    def handle(self, *, delete, grace_seconds, prefix, **options):
        if grace_seconds < 0:
            raise CommandError("--grace-seconds must be 0 or more.")
        cutoff = timezone.now() - timedelta(seconds=grace_seconds)

        listed = orphans = recent = 0
        for batch in batched(storage.list_objects(prefix), BATCH_SIZE):
            listed += len(batch)
            unreferenced = set(key for key, _ in batch) - referenced_keys(
                [key for key, _ in batch]
            )
            old = []
            for key, modified in batch:
                if key not in unreferenced:
                    continue
                if modified > cutoff:
                    recent += 1
                    self.stdout.write(f"recent orphan (left alone): {key}")
                else:
                    old.append(key)
                    self.stdout.write(f"{'deleting' if delete else 'orphan'}: {key}")
            orphans += len(old)
            if delete and old:
                storage.delete(
                    old
                )  # failures are logged, and the next run finds them again

        photos_checked, missing = self.find_missing(prefix)
        self.clean_uploads(delete, cutoff, grace_seconds)

        mode = (
            f"deleted {orphans}"
            if delete
            else "dry run, nothing changed; --delete removes them"
        )
        self.stdout.write(
            f"Summary: {listed} objects listed under '{prefix}', "
            f"{orphans} orphans ({mode}), "
            f"{recent} orphans younger than {grace_seconds} s left alone, "
            f"{photos_checked} photos checked, "
            f"{len({pk for pk, _key in missing})} photos with missing objects "
            f"({len(missing)} objects)."
        )

    def clean_uploads(self, delete, cutoff, grace_seconds):
        """Direct uploads abandoned for longer than the grace period: started
        but never finished, or finished and never processed (their rows end
        rejected), multipart uploads storage still holds parts of, and
        objects under incoming/ no upload on its way refers to."""
        stale = Upload.objects.in_flight().filter(created_at__lt=cutoff)
        abandoned = list(stale.values_list("pk", "key", "multipart_id"))
        for _pk, key, _multipart_id in abandoned:
            self.stdout.write(f"{'ending' if delete else 'abandoned'} upload: {key}")
        if delete and abandoned:
            stale.filter(pk__in=[pk for pk, _key, _id in abandoned]).update(
                status=Upload.REJECTED,
                message="This file never finished arriving. Please add it again.",
            )
        in_flight = set(Upload.objects.in_flight().values_list("key", flat=True))
        unfinished = [
            (key, upload_id)
            for key, upload_id, started in storage.unfinished_uploads(INCOMING)
            if started < cutoff and key not in in_flight
        ]
        strays = [
            key
            for key, modified in storage.list_objects(INCOMING)
            if modified < cutoff and key not in in_flight
        ]
        for key, _upload_id in unfinished:
            self.stdout.write(f"{'aborting' if delete else 'unfinished'}: {key}")
        for key in strays:
            self.stdout.write(f"{'deleting' if delete else 'stray upload'}: {key}")
        if delete:
            for key, upload_id in unfinished:
                try:
                    storage.abort_upload(key, upload_id)
                except Exception as exc:  # the next run tries again
                    self.stderr.write(f"could not abort {key}: {exc}")
            storage.delete(strays)
        if not (abandoned or unfinished or strays):
            return
        self.stdout.write(
            f"Uploads: {len(abandoned)} abandoned, {len(unfinished)} unfinished "
            f"multipart uploads, {len(strays)} stray objects under '{INCOMING}' "
            f"older than {grace_seconds} s"
            + (" (removed)." if delete else " (dry run, nothing changed).")
        )

    def find_missing(self, prefix):
        """[(photo id, key)] for photo keys under `prefix` that storage doesn't have."""
        in_prefix = Q()
        for field in KEY_FIELDS:
            in_prefix |= Q(**{f"{field}__startswith": prefix})
        rows = (
            Photo.all_objects.filter(in_prefix)
            .order_by("album_id", "created_at", "id")
            .values_list("id", *KEY_FIELDS)
            .iterator(chunk_size=2000)
        )
        folders = FolderListings()
        checked = 0
        candidates = []
        for pk, *keys in rows:
            checked += 1
            candidates.extend(
                (pk, key)
                for key in keys
                if key.startswith(prefix) and key not in folders.keys_near(key)
            )
        # Check again, one by one: the photo may have been deleted, or its
        # object stored, since its folder was listed.
        still_there = set()
        for batch in batched(sorted({pk for pk, _key in candidates}), BATCH_SIZE):
            still_there.update(
                Photo.all_objects.filter(pk__in=batch).values_list("pk", flat=True)
            )
        missing = [
            (pk, key)
            for pk, key in candidates
            if pk in still_there and not storage.exists(key)
        ]
        for pk, key in missing:
            self.stdout.write(f"missing: photo {pk} has no object {key}")
        return checked, missing


class FolderListings:
    """The keys stored in a folder, listed once and kept for the last few folders."""

    def __init__(self, size=CACHED_FOLDERS):
        self.size = size
        self.cache = OrderedDict()

    def keys_near(self, key):
        folder = key.rpartition("/")[0] + "/"
        if folder in self.cache:
            self.cache.move_to_end(folder)
        else:
            self.cache[folder] = {
                name for name, _modified in storage.list_objects(folder)
            }
            if len(self.cache) > self.size:
                self.cache.popitem(last=False)
        return self.cache[folder]


def referenced_keys(keys):
    """The subset of `keys` that some photo row refers to."""
    refers = Q()
    for field in KEY_FIELDS:
        refers |= Q(**{f"{field}__in": keys})
    wanted = set(keys)
    return {
        key
        for row in Photo.all_objects.filter(refers).values_list(*KEY_FIELDS)
        for key in row
        if key in wanted
    }


def batched(iterable, size):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
