"""GeoReport v2 endpoints: thin views that parse, call one selector or service, and render JSON or XML."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cityloop.open311 import forms, selectors, services
from cityloop.open311.errors import Open311Error
from cityloop.open311.formats import render, render_errors

View = Callable[..., HttpResponse]


def open311_view(view: View) -> View:
    """Every refusal in the spec's error document, in the format the URL asked for."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return render_errors(fmt, exc.status, exc.descriptions)

    return wrapper


@require_GET
@open311_view
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    forms.check_jurisdiction(request.GET)
    return render(fmt, "services", selectors.service_list())


@require_GET
@open311_view
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    forms.check_jurisdiction(request.GET)
    return render(fmt, "service_definition", selectors.service_definition(code))


@csrf_exempt  # a machine API authenticated by api_key, never by a browser session
@require_http_methods(["GET", "POST"])
@open311_view
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, fmt)
    query = forms.parse_request_query(request.GET)
    return render(fmt, "service_requests", selectors.request_dicts(selectors.request_list(query)))


def _submit(request: HttpRequest, fmt: str) -> HttpResponse:
    content_type = request.content_type or ""
    # the spec's form encoding; multipart as well, which the media-upload extension (Helsinki, Bloomington) uses
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(400, _("Send the request form-encoded (application/x-www-form-urlencoded)."))
    if request.encoding and request.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Open311Error(400, _("Send the request in UTF-8."))
    data = request.POST
    key = services.open311_key_authenticate((data.get("api_key") or request.GET.get("api_key") or "").strip())
    services.open311_key_consume(key=key)
    submission = forms.parse_submission(data)
    body = [(name, value) for name, values in data.lists() for value in values]
    idempotency_key = services.idempotency_key_for(body, request.headers.get("Idempotency-Key", "").strip()[:100])
    result = services.open311_request_submit(key=key, submission=submission, idempotency_key=idempotency_key)
    notice = _("Received. The 12345 hotline handles it within the published time limits.")
    answer: dict[str, Any] = (
        {"token": result.record.token} if services.deferred_responses()
        else {"service_request_id": result.record.ticket.number})
    answer |= {"service_notice": notice, "account_id": result.record.account_id}
    return render(fmt, "service_requests", [answer], status=201 if result.created else 200)


@require_GET
@open311_view
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    forms.check_jurisdiction(request.GET)
    return render(fmt, "service_requests", [selectors.request_dict(selectors.request_get(service_request_id))])


@require_GET
@open311_view
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    forms.check_jurisdiction(request.GET)
    return render(fmt, "service_requests", [selectors.token_get(token)])
