"""Deleting accounts with everything in them, beside uploads in flight."""

from django.contrib.auth import get_user_model
from django.db import transaction

from albums.models import Album
from photos.models import covers_refreshed_once


def delete_accounts(users):
    """Delete the accounts of queryset `users` with everything in them: their
    albums with all photos, their photos in other albums, their follows (by
    cascade), for good: what is in the trash goes too, and nothing goes to
    it (the cascade runs on Album's and Photo's base managers, all_objects).
    Each photo's files go once this commits (photos.signals).

    Rows are locked first, accounts then their albums (FOR UPDATE, in id
    order): an upload holds FOR NO KEY UPDATE on its uploader's account and
    then on its album while it adds a photo (photos.ingest), in the same
    order, so the deletion waits for it and takes its photo along, or the
    upload waits and finds no album; never a photo inserted beside the
    cascade that makes the whole deletion fail on its foreign key.
    Returns what QuerySet.delete() returns."""
    User = get_user_model()
    with transaction.atomic(), covers_refreshed_once():
        pks = list(
            User._default_manager.filter(
                pk__in=list(users.values_list("pk", flat=True))
            )
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        # Trashed albums too: the cascade (base managers) takes the trash along.
        Album.all_objects.filter(user__in=pks).lock_for_delete()
        return User._default_manager.filter(pk__in=pks).delete()
