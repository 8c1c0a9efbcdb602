from django import template

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """A rate as a percentage with one decimal, or a dash where there is nothing to measure."""
    return "-" if rate is None else f"{rate * 100:.1f}%"
