from typing import Any

from django.db import transaction

from cityloop.security.models import ApiToken


def api_token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token and its key, which is not stored and cannot be shown again."""
    with transaction.atomic():
        return ApiToken.issue(user=user, name=name)


def api_token_authenticate(key: str) -> Any | None:
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True).first())
    return token.user if token else None


