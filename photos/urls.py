from django.urls import path

from photos import email_views, trash_views, views

urlpatterns = [
    # The trash (photos.trash): yours, and each album's.
    path("trash/", trash_views.trash_page, name="trash"),
    path(
        "trash/albums/<int:album_id>/restore/",
        trash_views.trash_album_restore,
        name="trash_album_restore",
    ),
    path(
        "trash/albums/<int:album_id>/delete/",
        trash_views.trash_album_delete,
        name="trash_album_delete",
    ),
    path("a/<str:code>/trash/", trash_views.album_trash, name="album_trash"),
    path(
        "a/<str:code>/trash/<int:photo_id>/restore/",
        trash_views.album_trash_restore,
        name="album_trash_restore",
    ),
    path(
        "a/<str:code>/trash/<int:photo_id>/delete/",
        trash_views.album_trash_delete,
        name="album_trash_delete",
    ),
    path("a/<str:code>/", views.album, name="album"),
    path("l/<str:token>/cover.jpg", views.album_cover_image, name="album_cover_image"),
    path("a/<str:code>/upload/", views.upload, name="upload"),
    path("a/<str:code>/uploads/", views.upload_start, name="upload_start"),
    path(
        "a/<str:code>/guest-name/",
        views.upload_guest_name,
        name="upload_guest_name",
    ),
    path(
        "a/<str:code>/uploads/<str:token>/", views.upload_status, name="upload_status"
    ),
    path(
        "a/<str:code>/uploads/<str:token>/sign/",
        views.upload_sign,
        name="upload_sign",
    ),
    path(
        "a/<str:code>/uploads/<str:token>/parts/",
        views.upload_parts,
        name="upload_parts",
    ),
    path(
        "a/<str:code>/uploads/<str:token>/finish/",
        views.upload_finish,
        name="upload_finish",
    ),
    path("a/<str:code>/photos.json", views.album_photos_json, name="album_photos_json"),
    path("a/<str:code>/download/", views.album_download, name="album_download"),
    path("a/<str:code>/save.json", views.album_save_json, name="album_save_json"),
    path("a/<str:code>/slideshow/", views.slideshow, name="slideshow"),
    path("a/<str:code>/p/<int:photo_id>/", views.photo, name="photo"),
    path(
        "a/<str:code>/p/<int:photo_id>/download/",
        views.photo_download,
        name="photo_download",
    ),
    path(
        "a/<str:code>/p/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"
    ),
    path(
        "a/<str:code>/p/<int:photo_id>/description/",
        views.photo_description,
        name="photo_description",
    ),
    path(
        "a/<str:code>/p/<int:photo_id>/hide/",
        views.photo_hide,
        {"hidden": True},
        name="photo_hide",
    ),
    path(
        "a/<str:code>/p/<int:photo_id>/unhide/",
        views.photo_hide,
        {"hidden": False},
        name="photo_unhide",
    ),
    path(
        "a/<str:code>/p/<int:photo_id>/takedown/",
        views.photo_takedown,
        name="photo_takedown",
    ),
    path("a/<str:code>/moderate/", views.bulk_moderation, name="bulk_moderation"),
    path(
        "a/<str:code>/takedowns/<int:request_id>/remove/",
        views.takedown_resolve,
        {"remove": True},
        name="takedown_remove",
    ),
    path(
        "a/<str:code>/takedowns/<int:request_id>/dismiss/",
        views.takedown_resolve,
        {"remove": False},
        name="takedown_dismiss",
    ),
    # Emails (photos.notifications): a guest's address for the album's link,
    # a host's emails on and off, and the one-click unsubscribe links.
    path("a/<str:code>/email/", email_views.guest_email, name="guest_email"),
    path("a/<str:code>/emails/", email_views.album_emails, name="album_emails"),
    path(
        "unsubscribe/host/<str:token>/",
        email_views.unsubscribe_host,
        name="unsubscribe_host",
    ),
    path(
        "unsubscribe/<str:token>/",
        email_views.unsubscribe_guest,
        name="unsubscribe_guest",
    ),
]
