"""Errors of the classifier package.

Each error keeps an English message template and its parameters apart, so that the management command (which
has Django's translation machinery) can translate the template while this package stays free of Django settings.
"""

from typing import Any


def gettext_noop(message: str) -> str:
    """Mark a string for `makemessages` without translating it here (translation happens in the command)."""
    return message


class ClassifierError(Exception):
    """Base class: `template % params` is the English message."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class InputError(ClassifierError):
    """The input file or the texts in it cannot be used; nothing was changed."""


class ModelFormatError(ClassifierError):
    """The model directory is missing, damaged, untrusted or from a newer format version."""
