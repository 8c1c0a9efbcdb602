"""The REST API: one NinjaAPI, one router per app, errors as JSON with a stable `code`."""

import logging
from typing import Any

from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from cityloop.assessment.api import router as assessment_router
from cityloop.core.conf import platform_setting
from cityloop.core.errors import ApplicationError
from cityloop.tickets.api import router as tickets_router

log = logging.getLogger(__name__)
api = NinjaAPI(title="CityLoop API", version="1", urls_namespace="api",
               description="The 12345 citizen service hotline closed loop: intake, dispatch, handling, assessment.",
               throttle=[AnonRateThrottle(platform_setting("API_RATE_ANONYMOUS")),
                         AuthRateThrottle(platform_setting("API_RATE_USER"))])
api.add_router("/", tickets_router)
api.add_router("/", assessment_router)


def _validation_message(error: dict[str, Any]) -> str:
    """Pydantic speaks English only; say each problem in the request's language."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "string_too_short": _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length")},
        "string_too_long": _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length")},
        "string_pattern_mismatch": _("Enter a value in the right format."),
        "string_type": _("Enter text."),
        "enum": _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")},
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "float_type": _("Enter a number."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "greater_than_equal": _("Enter a value of at least %(n)s.") % {"n": ctx.get("ge")},
        "less_than_equal": _("Enter a value of at most %(n)s.") % {"n": ctx.get("le")},
        "too_long": _("Give at most %(n)s items.") % {"n": ctx.get("max_length")},
        "list_type": _("Give a list."),
        "json_invalid": _("The request body is not valid JSON."),
        "model_attributes_type": _("The request body must be a JSON object."),
    }
    return messages.get(kind, _("Enter a valid value."))


def _field_name(loc: list[Any]) -> str:
    # ninja prefixes "body"/"query"/"path" and the payload's parameter name; clients know fields by name.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload", "filters")]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_name(e.get("loc", [])), "message": _validation_message(e), "type": e.get("type", "")}
              for e in exc.errors]
    return api.create_response(request, {"code": "validation_error", "message": _("Check the highlighted fields."),
                                         "errors": errors}, status=422)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    if exc.status == 422 and "field" in exc.details:
        body = {"code": exc.code, "message": exc.message,
                "errors": [{"field": exc.details["field"], "message": exc.message, "type": exc.code}]}
        return api.create_response(request, body, status=422)
    return api.create_response(request, {"code": exc.code, "message": exc.message, "details": exc.details},
                               status=exc.status)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own refusals (unreadable body, no credentials, throttling) in the same shape as ours."""
    known = {
        400: ("bad_request", _("The request could not be read; send a JSON object.")),
        401: ("not_authenticated", _("Sign in first.")),
        403: ("permission_denied", _("You may not do this.")),
        429: ("rate_limited", _("Too many requests; wait a moment and try again.")),
    }
    code, message = known.get(exc.status_code, ("http_error", str(exc)))
    return api.create_response(request, {"code": code, "message": message, "details": {}}, status=exc.status_code)


@api.exception_handler(OperationalError)
def on_database_unavailable(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    log.error("database error answered with 503", exc_info=exc)
    return api.create_response(request, {"code": "service_unavailable",
                                         "message": _("The service is busy; try again in a moment."),
                                         "details": {}}, status=503)
