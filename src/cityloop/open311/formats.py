"""GeoReport v2 documents in its two formats: JSON, and XML with the spec's element names. UTF-8 throughout."""

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

JSON, XML = "json", "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}

# For each list, the element that wraps it and the element of each item (the spec's names).
LIST_ELEMENTS = {
    "services": ("services", "service"),
    "service_requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
    "attributes": ("attributes", "attribute"),
    "values": ("values", "value"),
}


def w3c_datetime(value: dt.datetime | None) -> str | None:
    """ISO 8601 (W3C profile) in the platform's time zone, always with its offset: 2026-11-29T20:50:09+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        wrapper, item = LIST_ELEMENTS.get(name, (name, name.rstrip("s")))
        container = ET.SubElement(parent, wrapper)
        for entry in value:
            _append(container, item, entry)
    elif isinstance(value, dict):
        element = ET.SubElement(parent, name)
        for key, inner in value.items():
            _append(element, key, inner)
    else:
        ET.SubElement(parent, name).text = _text(value)


def to_xml(root: str, payload: Any) -> bytes:
    """`root` names the document: a list becomes <root><item>…</item></root>, a dict <root>…fields…</root>."""
    if isinstance(payload, list):
        _wrapper, item = LIST_ELEMENTS[root]
        element = ET.Element(root)
        for entry in payload:
            _append(element, item, entry)
    else:
        element = ET.Element(root)
        for key, value in payload.items():
            _append(element, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def render(fmt: str, root: str, payload: Any, *, status: int = 200) -> HttpResponse:
    if fmt == XML:
        body = to_xml(root, payload)
    else:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error document: [{"code": 403, "description": "…"}] / <errors><error>…</error></errors>."""
    return render(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status=status)
