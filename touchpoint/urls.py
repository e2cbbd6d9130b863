from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from touchpoint.api.urls import api
from touchpoint.front import league, views
from touchpoint.interviews import views as interviews
from touchpoint.kiosks import views as kiosks
from touchpoint.sms import views as sms

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("units/<int:pk>/", views.unit_page, name="unit"),
    path("units/<int:pk>/report.<str:extension>", views.unit_export, name="unit-export"),
    path("league/", league.league_home, name="league-home"),
    path("units/<int:pk>/league/", league.unit_league, name="unit-league"),
    path("units/<int:pk>/league.<str:extension>", league.league_export, name="league-export"),
    path("login/", auth_views.LoginView.as_view(template_name="front/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("s/<str:token>", views.survey, name="survey"),
    path("s/<str:token>/more", views.survey_more, name="survey-more"),
    path("s/<str:token>/thanks", views.survey_thanks, name="survey-thanks"),
    path("u/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("", include("touchpoint.tickets.urls")),
    path("interviews/", interviews.queue, name="interviews"),
    path("interviews/next", interviews.next_call, name="interview-next"),
    path("interviews/<int:pk>/", interviews.call, name="interview-call"),
    path("kiosk/<str:token>/", kiosks.kiosk, name="kiosk"),
    path("kiosk/<str:token>/thanks", kiosks.kiosk_thanks, name="kiosk-thanks"),
    path("hooks/twilio/sms", sms.twilio_sms, name="twilio-sms"),
    path("", include("touchpoint.connectors.urls")),
    path("api/v1/", api.urls),
    path("delighted/v1/", include("touchpoint.delighted.urls")),
    path("admin/", admin.site.urls),
    path("", include("touchpoint.devmail.urls")),
    path("", include("touchpoint.widget.urls")),
    path("", include("touchpoint.accounts.urls")),
    path("", include("touchpoint.explorer.urls")),
    path("", include("touchpoint.digests.urls")),
    path("", include("touchpoint.alerts.urls")),
    path("", include("touchpoint.targets.urls")),
    path("", include("touchpoint.setup.urls")),
    path("", include("touchpoint.analysis.urls")),
]
