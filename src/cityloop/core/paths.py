"""Where files outside the package live."""

import os
from pathlib import Path


def shared_data_dir() -> Path:
    """The evaluation data folder (`../shared/data` beside the checkout unless CITYLOOP_SHARED_DATA says)."""
    configured = os.environ.get("CITYLOOP_SHARED_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"
