from django.urls import path

from cityloop.analytics import views

app_name = "analytics"
urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("overview/<slug:dataset>.csv", views.overview_csv, name="overview_csv"),
    path("brain/", views.brain, name="brain"),
    path("brain/data.json", views.brain_json, name="brain_json"),
    path("brain/<slug:dataset>.csv", views.brain_csv, name="brain_csv"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
]
