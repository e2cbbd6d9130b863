"""Delighted's v1 paths, each also with a `.json` suffix, as the client libraries call them."""

from django.urls import re_path

from touchpoint.delighted import views

J = r"(?:\.json)?$"

urlpatterns = [
    re_path(r"^people" + J, views.people),
    re_path(
        r"^people/(?P<email>[^/]+)/survey_requests/pending" + J,
        views.pending_requests,
    ),
    re_path(r"^people/(?P<identifier>[^/]+?)" + J, views.person),
    re_path(r"^survey_responses" + J, views.survey_responses),
    re_path(r"^survey_responses/(?P<response_id>[^/]+?)" + J, views.survey_response),
    re_path(r"^metrics" + J, views.metrics),
    re_path(r"^unsubscribes" + J, views.unsubscribes),
    re_path(r"^bounces" + J, views.bounces),
    re_path(r"^autopilot/(?P<platform>[a-z]+)/memberships" + J, views.autopilot_memberships),
    re_path(r"^autopilot/(?P<platform>[a-z]+)" + J, views.autopilot),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
