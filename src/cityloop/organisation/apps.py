from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "cityloop.organisation"
    label = "organisation"
    default_auto_field = "django.db.models.BigAutoField"
