"""The committed OpenAPI document and workflow diagram must match what the code generates."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

DOCS = Path(__file__).resolve().parents[4] / "docs"


def generated(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_openapi_document_is_current() -> None:
    assert generated("openapi") == (DOCS / "openapi.json").read_text(encoding="utf-8"), \
        "the API changed: run `make openapi` and commit docs/openapi.json"


def test_workflow_diagram_is_current() -> None:
    assert generated("workflow_diagram") == (DOCS / "workflow.md").read_text(encoding="utf-8"), \
        "the workflow changed: run `cityloop workflow_diagram --output docs/workflow.md`"
