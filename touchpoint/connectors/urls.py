from django.urls import path

from touchpoint.connectors import views

urlpatterns = [
    path("integrations/<slug:kind>/<str:key>", views.receive, name="connector-inbound"),
]
