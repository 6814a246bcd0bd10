from django.urls import path

from albums import cohosts, modes, views

urlpatterns = [
    path("", views.home, name="home"),
    path("join/", views.join, name="join"),
    path("albums/new/", views.album_create, name="album_create"),
    path("l/<str:token>/", views.album_by_link, name="album_by_link"),
    path("a/<str:code>/follow/", views.album_follow, name="album_follow"),
    path("a/<str:code>/unfollow/", views.album_unfollow, name="album_unfollow"),
    path("a/<str:code>/share/", views.album_share, name="album_share"),
    path("a/<str:code>/qr.png", views.album_qr, name="album_qr"),
    path("a/<str:code>/settings/", views.album_settings, name="album_settings"),
    path("a/<str:code>/reveal/", modes.album_reveal, name="album_reveal"),
    path("a/<str:code>/cover/", views.album_cover, name="album_cover"),
    path("a/<str:code>/new-code/", views.album_new_code, name="album_new_code"),
    path(
        "a/<str:code>/followers/<int:follow_id>/remove/",
        views.album_follower_remove,
        name="album_follower_remove",
    ),
    path("a/<str:code>/cohosts/invite/", cohosts.cohost_invite, name="cohost_invite"),
    path(
        "a/<str:code>/cohosts/invitations/<int:invitation_id>/revoke/",
        cohosts.cohost_invitation_revoke,
        name="cohost_invitation_revoke",
    ),
    path(
        "a/<str:code>/cohosts/<int:cohost_id>/remove/",
        cohosts.cohost_remove,
        name="cohost_remove",
    ),
    path("a/<str:code>/cohosts/leave/", cohosts.cohost_leave, name="cohost_leave"),
    path("cohost/<str:token>/", cohosts.cohost_accept, name="cohost_accept"),
    path("a/<str:code>/merge/", views.album_merge, name="album_merge"),
    path("a/<str:code>/delete/", views.album_delete, name="album_delete"),
]
