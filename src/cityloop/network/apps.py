from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "cityloop.network"
    label = "network"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Organisation network"
