import pytest

from cityloop.intelligence.duplicates import reset_rarity


@pytest.fixture(autouse=True)
def _fresh_rarity() -> None:
    """How common each word is comes from the newest tickets, kept per process: each test counts its own."""
    reset_rarity()
