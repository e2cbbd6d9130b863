from django.urls import path

from touchpoint.devmail import views

urlpatterns = [
    path("dev/outbox/", views.outbox, name="outbox"),
    path("dev/outbox/<int:pk>/", views.message, name="outbox-message"),
    path("dev/outbox/<int:pk>/html", views.message_html, name="outbox-message-html"),
    path("dev/outbox/sms/<int:pk>/", views.sms_message, name="outbox-sms"),
]
