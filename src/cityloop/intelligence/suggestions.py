"""What intake proposes for a text being typed or just recorded: categories, units, duplicates, answers."""

from typing import Any

from django.db.models import Q

from cityloop.intelligence.registry import active_link, active_model
from cityloop.tickets.models import Category


def _category_for(label: str, by_code: dict[str, tuple[int, str]], by_name: dict[str, tuple[int, str]]
                  ) -> tuple[int, str] | None:
    """A model label is a category code (models retrained from the platform) or a category name (tipdm data)."""
    return by_code.get(label) or by_name.get(label)


def category_suggestions(title: str, description: str, limit: int = 3) -> tuple[list[dict[str, Any]], str]:
    """The active category model's best categories [{"id", "label", "score"}] and the model's directory.

    Labels the taxonomy does not know are dropped; no active model gives ([], "").
    """
    model = active_model("category")
    if model is None or not (title or description).strip():
        return [], ""
    predictions = model.predict_top(title, description, k=limit + 2)
    labels = {prediction.label for prediction in predictions}
    # Only the categories the labels name, not the whole taxonomy: this runs for every ticket taken.
    rows = (Category.objects.filter(Q(code__in=labels) | Q(name__in=labels), active=True)
            .values_list("pk", "code", "name", "level").order_by("-level"))
    by_code: dict[str, tuple[int, str]] = {}
    by_name: dict[str, tuple[int, str]] = {}
    for pk, code, name, _level in rows:  # deepest first, so a name shared across levels maps to the top one
        by_code[code] = (pk, f"{code} {name}")
        by_name[name] = (pk, f"{code} {name}")
    found: list[dict[str, Any]] = []
    for prediction in predictions:
        category = _category_for(prediction.label, by_code, by_name)
        if category is not None and all(f["id"] != category[0] for f in found):
            found.append({"id": category[0], "label": category[1], "score": round(prediction.confidence, 3)})
    return found[:limit], str(active_link("category").resolve())
