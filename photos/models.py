from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from photos import storage


class Photo(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="photos",
        help_text="The uploader; empty for a guest without an account.",
    )
    album = models.ForeignKey("albums.Album", models.CASCADE, related_name="photos")
    # Storage keys. link: the original, byte for byte. tlink: thumbnail.
    # dlink: display rendition. plink: the original as shown to people other
    # than the uploader and the owner, without location; empty when the
    # original has none.
    link = models.CharField(max_length=255)
    tlink = models.CharField(max_length=255)
    dlink = models.CharField(max_length=255)
    plink = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    filename = models.CharField(max_length=255)
    guest_name = models.CharField(max_length=60, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(help_text="Bytes of the original.")
    width = models.PositiveIntegerField(help_text="After orientation.")
    height = models.PositiveIntegerField(help_text="After orientation.")
    taken_at = models.DateTimeField(help_text="When it was taken (EXIF), else when it was uploaded.")
    sha256 = models.CharField(max_length=64)
    hidden = models.BooleanField(default=False, help_text="Only the owner and the uploader see it.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["album", "sha256"], name="unique_photo_per_album")]
        indexes = [
            models.Index(fields=["album", "taken_at", "id"], name="photo_album_taken"),
            models.Index(fields=["album", "created_at", "id"], name="photo_album_uploaded"),
        ]

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("photo", args=[self.album.code, self.pk])

    @property
    def uploader_name(self):
        if self.user_id:
            return self.user.get_username()
        return self.guest_name or "A guest"

    def thumbnail_url(self):
        return storage.url(self.tlink, content_type="image/jpeg")

    def display_url(self):
        return storage.url(self.dlink, content_type="image/jpeg")

    @property
    def storage_keys(self):
        return [key for key in (self.link, self.tlink, self.dlink, self.plink) if key]

    @property
    def description(self):
        for tag in self.tags.all():
            if tag.key == Tag.DESCRIPTION:
                return tag.value
        return ""


class Tag(models.Model):
    DESCRIPTION = "description"

    photo = models.ForeignKey(Photo, models.CASCADE, related_name="tags")
    key = models.CharField(max_length=50)
    value = models.TextField(max_length=2000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["photo", "key"], name="unique_tag_per_photo")]

    def __str__(self):
        return f"{self.key}={self.value[:40]}"
