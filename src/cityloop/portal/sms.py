"""Text messages behind an adapter: the platform talks to `SmsSender`, an operator plugs in its gateway.

Choose the adapter with the setting `CITYLOOP_SMS_SENDER`, the dotted path of a class whose instances have
`send(phone, text)`. The default, `LoggingSmsSender`, only writes the message to the log (development, demos).
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from cityloop.security.masking import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_SENDER = "cityloop.portal.sms.LoggingSmsSender"


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingSmsSender:
    """Writes each message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", mask_phone(phone), text)


def sms_sender() -> SmsSender:
    sender: SmsSender = import_string(getattr(settings, "CITYLOOP_SMS_SENDER", DEFAULT_SENDER))()
    return sender
