from django.db.models.signals import post_delete
from django.dispatch import receiver

from photos import storage
from photos.models import Photo


@receiver(post_delete, sender=Photo)
def delete_photo_files(sender, instance, **kwargs):
    # Every delete path (view, admin, cascade, queryset.delete()) sends this;
    # the files go only once the rows are gone for good.
    storage.delete_on_commit(instance.storage_keys)
