from django.urls import path

from photos import views

urlpatterns = [
    path("media/<path:name>", views.media, name="media"),
]
