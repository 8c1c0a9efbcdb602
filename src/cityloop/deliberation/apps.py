from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "cityloop.deliberation"
    label = "deliberation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Deliberation"
