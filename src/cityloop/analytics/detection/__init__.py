"""Early-warning detectors over count series (category x area x time): pure numpy/scipy.

`detect(Y, eval_last, period=..., method=...)` is the entry point; see `detectors.METHODS`.
"""

from .baseline import Baseline, BaselineConfig, prospective_baseline
from .calendar import calendar_covariates, date_range
from .detectors import METHODS, TEMPORAL, Detection, detect
from .scan import Layout, ScanResult, space_time_scan

__all__ = [
    "METHODS",
    "TEMPORAL",
    "Baseline",
    "BaselineConfig",
    "Detection",
    "Layout",
    "ScanResult",
    "calendar_covariates",
    "date_range",
    "detect",
    "prospective_baseline",
    "space_time_scan",
]
