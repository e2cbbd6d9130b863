from django.urls import path

from touchpoint.accounts import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("profile/", views.profile, name="profile"),
    path("people/invite", views.invite, name="invite-member"),
    path("people/invitations/<int:pk>/resend", views.resend_invitation, name="resend-invitation"),
    path("people/invitations/<int:pk>/revoke", views.revoke_invitation, name="revoke-invitation"),
    path("people/members/<int:pk>/role", views.change_membership, name="change-membership"),
    path("people/members/<int:pk>/remove", views.remove_membership, name="remove-membership"),
    path("join/<str:token>", views.accept_invitation, name="accept-invitation"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent", views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done", views.password_reset_complete, name="password_reset_complete"),
]
