from django.urls import path

from touchpoint.analysis import views

urlpatterns = [
    path("units/<int:pk>/themes/", views.unit_themes, name="unit-themes"),
    path("units/<int:pk>/themes.csv", views.unit_themes_csv, name="unit-themes-csv"),
    path("themes/", views.themes, name="analysis-themes"),
    path("themes/new", views.theme_edit, name="analysis-theme-new"),
    path("themes/<int:pk>/", views.theme_edit, name="analysis-theme"),
    path("themes/<int:pk>/active", views.theme_active, name="analysis-theme-active"),
    path("themes/suggestions", views.suggest, name="analysis-suggest"),
    path("themes/suggestions/<int:pk>/adopt", views.adopt, name="analysis-adopt"),
]
