from django.contrib import admin
from django.urls import include, path

from core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("media/<path:name>", core_views.media, name="media"),
    path("storage/upload/<path:key>", core_views.upload_part, name="upload_part"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", core_views.javascript_catalog, name="javascript_catalog"),
    path("accounts/", include("accounts.urls")),
    path("", include("albums.urls")),
    path("", include("photos.urls")),
]

handler404 = "core.middleware.not_found"
