from django.apps import AppConfig


class HandlingConfig(AppConfig):
    name = "cityloop.handling"
    label = "handling"
    default_auto_field = "django.db.models.BigAutoField"
