"""Intake text classification (category, type, urgency) from ticket title and description.

Pure Python on scikit-learn; no Django models. See `model.TextClassifier` for the method and `data` for the
validated CSV/Excel input used by the `cityloop classifier` command and the benchmark.
"""

from cityloop.intelligence.classification.data import (
    Examples,
    Table,
    check_output_path,
    extract_examples,
    read_table,
    write_table,
)
from cityloop.intelligence.classification.errors import ClassifierError, InputError, ModelFormatError
from cityloop.intelligence.classification.model import (
    FORMAT_VERSION,
    ClassifierConfig,
    Prediction,
    TextClassifier,
    TrainingReport,
)

__all__ = [
    "FORMAT_VERSION",
    "ClassifierConfig",
    "ClassifierError",
    "Examples",
    "InputError",
    "ModelFormatError",
    "Prediction",
    "Table",
    "TextClassifier",
    "TrainingReport",
    "check_output_path",
    "extract_examples",
    "read_table",
    "write_table",
]
