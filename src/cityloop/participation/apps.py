from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "cityloop.participation"
    label = "participation"
    default_auto_field = "django.db.models.BigAutoField"
