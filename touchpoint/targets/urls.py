from django.urls import path

from touchpoint.targets import views

urlpatterns = [path("targets/", views.targets_page, name="targets")]
