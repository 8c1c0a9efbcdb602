from django import template

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """A rate as a percentage with one decimal, or a dash where there is nothing to measure."""
    return "-" if rate is None else f"{rate * 100:.1f}%"


@register.filter
def figure(figures: dict[str, object], name: str) -> object:
    """One figure of a stored cell: rates as percentages, the composite with two decimals, counts as they are."""
    value = figures.get(name)
    if name == "composite":
        return "-" if value is None else f"{value:.2f}"
    if name.endswith("_rate"):
        return percent(value)  # type: ignore[arg-type]
    return value
