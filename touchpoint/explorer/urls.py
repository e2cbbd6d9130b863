from django.urls import path

from touchpoint.explorer import views

urlpatterns = [
    path("responses/", views.response_list, name="responses"),
    path("responses/export.csv", views.export_csv, name="responses-csv"),
    path("responses/export.xlsx", views.export_xlsx, name="responses-xlsx"),
    path("responses/<int:pk>/", views.response_detail, name="response"),
]
