"""Queries on materialised-path trees (paths like "1/4/17/", see organisation.models.TreeNode)."""

from django.db.models import Q


def subtree_q(field: str, path: str) -> Q:
    """Rows whose `field` holds `path` or a path below it.

    A range rather than LIKE 'path%': both SQLite (with its default BINARY collation) and PostgreSQL (outside
    the C locale) use a plain index for a range but not for LIKE. Every path ends in "/", and "0" is the
    character after "/", so [path, path-without-slash + "0") holds exactly the subtree.
    """
    if not path.endswith("/"):
        raise ValueError(f"not a tree path: {path!r}")
    return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})
