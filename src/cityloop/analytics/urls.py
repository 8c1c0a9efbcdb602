from django.urls import path

from cityloop.analytics import views

app_name = "analytics"
urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("overview/<slug:dataset>.csv", views.overview_csv, name="overview_csv"),
]
