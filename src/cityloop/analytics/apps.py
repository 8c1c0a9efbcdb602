from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "cityloop.analytics"
    label = "analytics"
    default_auto_field = "django.db.models.BigAutoField"
