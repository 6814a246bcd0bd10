from django.db.models.signals import post_delete
from django.dispatch import receiver

from albums.models import Album
from photos import storage
from photos.models import Photo


@receiver(post_delete, sender=Photo)
def delete_photo_files(sender, instance, **kwargs):
    # Every delete path (view, admin, cascade, queryset.delete()) sends this;
    # the files go only once the rows are gone for good.
    storage.delete_on_commit(instance.storage_keys)


@receiver(post_delete, sender=Photo)
def replace_deleted_cover(sender, instance, **kwargs):
    # Whatever deleted the cover (an account deleted, the admin, a cascade),
    # the album's next photo takes its place.
    Album.objects.filter(pk=instance.album_id).refresh_covers()
