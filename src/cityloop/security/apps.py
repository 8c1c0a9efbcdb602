from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "cityloop.security"
    label = "security"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from cityloop.organisation.models import Area, Membership, Unit
        from cityloop.security.models import ApiToken
        from cityloop.security.services import credentials_forget

        for model in (settings.AUTH_USER_MODEL, ApiToken, Membership, Unit, Area):
            for signal in (post_save, post_delete):
                signal.connect(credentials_forget, sender=model, dispatch_uid=f"credentials-{model}-{signal}")
