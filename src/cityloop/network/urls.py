from django.urls import path

from cityloop.network import views

app_name = "network"

urlpatterns: list = []
