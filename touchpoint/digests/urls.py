from django.urls import path

from touchpoint.digests import views

urlpatterns = [
    path("digest/", views.digest_settings, name="digest-settings"),
    path("digest/preview", views.digest_preview, name="digest-preview"),
]
