from django.urls import path

from touchpoint.setup import (
    views,
    views_connectors,
    views_integrations,
    views_questions,
    views_units,
)

urlpatterns = [
    path("setup/", views.overview, name="setup"),
    path("setup/audit/", views.audit, name="setup-audit"),
    path("setup/touchpoints/", views.touchpoints, name="setup-touchpoints"),
    path("setup/touchpoints/new", views.touchpoint_new, name="setup-touchpoint-new"),
    path("setup/touchpoints/<slug:slug>/", views.touchpoint_rule, name="setup-touchpoint"),
    path("setup/touchpoints/<slug:slug>/state", views.touchpoint_state, name="setup-state"),
    path("setup/touchpoints/<slug:slug>/wording", views.touchpoint_wording, name="setup-wording"),
    path("setup/touchpoints/<slug:slug>/preview", views.touchpoint_preview, name="setup-preview"),
    path(
        "setup/touchpoints/<slug:slug>/questions",
        views_questions.touchpoint_questions,
        name="setup-questions",
    ),
    path("setup/touchpoints/<slug:slug>/tickets", views.touchpoint_tickets, name="setup-tickets"),
    path("setup/touchpoints/<slug:slug>/test", views.touchpoint_test, name="setup-test"),
    path("setup/root-causes/", views.root_causes, name="setup-root-causes"),
    path("setup/units/", views_units.units, name="setup-units"),
    path("setup/units/export.csv", views_units.units_export, name="setup-units-export"),
    path("setup/units/upload", views_units.units_upload, name="setup-units-upload"),
    path("setup/units/imports/<int:pk>/", views_units.units_import, name="setup-import"),
    path("setup/units/<int:pk>/", views_units.unit_detail, name="setup-unit"),
    path("setup/units/<int:pk>/state", views_units.unit_state, name="setup-unit-state"),
    path("setup/units/<int:pk>/restate", views_units.unit_restate, name="setup-unit-restate"),
    path("setup/kiosks/", views_integrations.kiosks, name="setup-kiosks"),
    path("setup/widget-keys/", views_integrations.widget_keys, name="setup-widget-keys"),
    path("setup/api-keys/", views_integrations.api_keys, name="setup-api-keys"),
    path("setup/webhooks/", views_integrations.webhooks, name="setup-webhooks"),
    path("setup/sms/", views_integrations.sms_settings, name="setup-sms"),
    path("setup/connectors/", views_connectors.connector_list, name="setup-connectors"),
    path("setup/connectors/<slug:kind>/", views_connectors.connector_page, name="setup-connector"),
    path("people/upload", views_units.people_upload, name="people-upload"),
    path("people/imports/<int:pk>/", views_units.people_import, name="people-import"),
]
