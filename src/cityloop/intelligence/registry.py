"""The model registry: which classifier the platform uses at intake, by convention, without settings.

`<DATA_DIR>/models/<field>/active` is a symbolic link to the model directory in use for that field (category,
type, urgency); `activate` swaps it atomically (a new link renamed over the old one), so a process reads either
the old or the new model, never half of one. Each process keeps the loaded model and reloads it when the link
points elsewhere. No link, or a model that does not load: no classification (logged once per target).
"""

import logging
import os
import threading
import uuid
from pathlib import Path

from django.conf import settings

from cityloop.intelligence.classification import TextClassifier
from cityloop.intelligence.classification.errors import ClassifierError

log = logging.getLogger(__name__)
FIELDS = ("category", "type", "urgency")

_lock = threading.Lock()
_loaded: dict[str, tuple[str, TextClassifier | None]] = {}


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def active_link(field: str) -> Path:
    return models_dir() / field / "active"


def activate(field: str, directory: str | os.PathLike[str]) -> Path:
    """Make the model in `directory` the active one for `field` (it must load). Returns the link."""
    target = Path(directory).resolve()
    TextClassifier.load(target)  # refuse a model that would not load, before anything changes
    link = active_link(field)
    link.parent.mkdir(parents=True, exist_ok=True)
    staging = link.parent / f".active.{uuid.uuid4().hex}"
    staging.symlink_to(target, target_is_directory=True)
    os.replace(staging, link)
    return link


def active_model(field: str = "category") -> TextClassifier | None:
    """The active model for `field`, or None when there is none (or it does not load)."""
    link = active_link(field)
    try:
        target = str(link.resolve(strict=True))
    except (OSError, RuntimeError):
        return None
    cached = _loaded.get(field)
    if cached is not None and cached[0] == target:
        return cached[1]
    with _lock:
        cached = _loaded.get(field)
        if cached is not None and cached[0] == target:
            return cached[1]
        try:
            model: TextClassifier | None = TextClassifier.load(target)
        except (ClassifierError, OSError, ValueError) as exc:
            log.warning("active %s model %s does not load: %s", field, target, exc)
            model = None
        _loaded[field] = (target, model)
        return model


def reset_models() -> None:
    with _lock:
        _loaded.clear()
