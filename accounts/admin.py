from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.deletion import delete_accounts
from albums.admin import count_of
from albums.models import Album
from photos.models import Photo

User = get_user_model()

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "albums_link",
        "photos_link",
        "is_staff",
        "is_active",
        "date_joined",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                album_count=count_of(Album.objects.all(), "user"),
                photo_count=count_of(Photo.objects.all(), "user"),
            )
        )

    def delete_model(self, request, obj):
        delete_accounts(User._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        delete_accounts(queryset)

    @admin.display(description=_("albums"), ordering="album_count")
    def albums_link(self, user):
        url = reverse("admin:albums_album_changelist") + f"?user__id__exact={user.pk}"
        return format_html('<a href="{}">{}</a>', url, user.album_count)

    @admin.display(description=_("photos uploaded"), ordering="photo_count")
    def photos_link(self, user):
        url = reverse("admin:photos_photo_changelist") + f"?user__id__exact={user.pk}"
        return format_html('<a href="{}">{}</a>', url, user.photo_count)
