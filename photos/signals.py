from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from albums.models import Album
from core import storage
from photos.models import Photo


@receiver(post_delete, sender=Photo)
def delete_photo_files(sender, instance, **kwargs):
    # Every delete path (view, admin, cascade, queryset.delete()) sends this;
    # the files go only once the rows are gone for good.
    storage.delete_on_commit(instance.storage_keys)


@receiver(post_delete, sender=Photo)
def replace_deleted_cover(sender, instance, **kwargs):
    # Whatever deleted the cover (an account deleted, the admin, a cascade),
    # the album's next photo takes its place (one query per album touched
    # inside covers_refreshed_once()).
    Photo.objects.photo_deleted(instance.album_id)


@receiver(pre_delete, sender=Album)
def album_deleting(sender, instance, **kwargs):
    Photo.objects.album_deleting(instance.pk)


@receiver(post_delete, sender=Album)
def album_deleted(sender, instance, **kwargs):
    Photo.objects.album_deleting(instance.pk, deleting=False)
