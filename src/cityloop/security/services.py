import copy
import threading
import time
from typing import Any

from django.db import transaction

from cityloop.security.access import memberships_of
from cityloop.security.models import ApiToken

# A bearer token is checked on every API call. A per-process copy of recent answers (the user with their
# memberships) spares the two queries that would otherwise cost a third of a ticket creation. Any change to a
# token, user, membership, unit or area saved in this process empties it (see apps.py); a change made by
# another process, such as a revocation from the command line, takes effect within CREDENTIAL_TTL seconds.
CREDENTIAL_TTL = 5.0
_credentials: dict[str, tuple[float, Any]] = {}
_credentials_lock = threading.Lock()


def credentials_forget(**_signal: Any) -> None:
    with _credentials_lock:
        _credentials.clear()


def api_token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token and its key, which is not stored and cannot be shown again."""
    with transaction.atomic():
        return ApiToken.issue(user=user, name=name)


def api_token_authenticate(key: str) -> Any | None:
    key_hash = ApiToken.hash_key(key)
    now = time.monotonic()
    cached = _credentials.get(key_hash)
    if cached is None or cached[0] < now:
        token = (ApiToken.objects.select_related("user")
                 .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True).first())
        user = token.user if token else None
        if user is not None:
            memberships_of(user)  # loaded now, so that the copy carries them
        with _credentials_lock:
            _credentials[key_hash] = cached = (now + CREDENTIAL_TTL, user)
    # A copy per request: requests annotate their user object, and must not see each other's notes.
    return copy.copy(cached[1])


