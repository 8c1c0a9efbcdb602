"""Text normalisation and Chinese word segmentation shared by training and prediction."""

import logging
import re
from functools import lru_cache
from typing import Any

# Hotline titles are < 100 characters and details rarely exceed 10,000 (max 9,023 in the tipdm data). A cell
# longer than this is almost certainly a paste accident or an attack, so it is rejected with a clear error
# rather than silently truncated (the operator should see it).
MAX_CELL_CHARS = 20_000
# Only the start of a detail text is used for features: it carries the topic, and it bounds predict time.
DETAIL_FEATURE_CHARS = 300

_WHITESPACE = re.compile(r"\s+")
# C0 control characters other than tab/newline/carriage return never occur in real text: they mean binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise(text: str | None) -> str:
    """Collapse whitespace (the tipdm exports pad texts with \\n\\t, \\xa0 and \\u3000) and strip."""
    if not text:
        return ""
    return _WHITESPACE.sub(" ", text.replace("\xa0", " ").replace("\u3000", " ")).strip()


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def compose(title: str, detail: str = "") -> str:
    """The text the features see: the title plus the start of the detail."""
    title = normalise(title)
    detail = normalise(detail)[:DETAIL_FEATURE_CHARS]
    if title and detail:
        return f"{title} {detail}"
    return title or detail


@lru_cache(maxsize=1)
def _jieba() -> Any:
    # jieba logs to stderr and builds its prefix dictionary on first use; do that once, quietly.
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=65536)
def _segment(text: str) -> tuple[str, ...]:
    return tuple(word for word in _jieba().lcut(text) if word.strip())


def word_analyzer(text: str) -> list[str]:
    """jieba words of `text`; a module-level function so that skops can store it by reference."""
    return list(_segment(text))
