from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Service messages in English in these tests (pages choose by cookie; the live server by its own thread)."""
    with translation.override("en"):
        yield
