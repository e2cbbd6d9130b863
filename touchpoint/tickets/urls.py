from django.urls import path

from touchpoint.tickets import views

urlpatterns = [
    path("tickets/", views.inbox, name="tickets"),
    path("tickets/settings/", views.notification_settings, name="ticket-settings"),
    path("tickets/root-causes/", views.root_causes, name="root-causes"),
    path("tickets/<int:pk>/", views.ticket_page, name="ticket"),
    path("f/<str:token>", views.follow_up, name="follow-up"),
]
