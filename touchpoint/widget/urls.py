from django.urls import path

from touchpoint.widget import views

urlpatterns = [
    path("w/v1/<str:key>/config", views.config, name="widget-config"),
    path("w/v1/<str:key>/impressions", views.impressions, name="widget-impressions"),
    path("w/v1/<str:key>/responses", views.responses, name="widget-responses"),
    path("demo/shop/", views.demo_shop, name="demo-shop"),
]
