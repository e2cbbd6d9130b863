from django.urls import path

from touchpoint.alerts import views

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views.alert_page, name="alert"),
    path("alerts/<int:pk>/mute", views.alert_mute, name="alert-mute"),
]
