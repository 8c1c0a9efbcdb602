"""Counts each request to the public pages by client address; alerts on a burst and refuses one past the limit.

It sits before the CSRF check, so that a flood of forged posts counts as well (see `bursts`).
"""

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cityloop.security import bursts

log = logging.getLogger(__name__)


class PublicBurstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any,
                     view_kwargs: Any) -> HttpResponse | None:
        view = request.resolver_match.view_name if request.resolver_match is not None else ""
        group = bursts.group_of(view, request.method or "")
        if group is None or not bursts.enabled():
            return None
        address = bursts.client_address(request)
        if address is None:
            return None
        try:
            tally = bursts.tally(group, address)
        except Exception:  # an unreachable cache must not take the public pages down with it
            log.exception("burst counting is unavailable; serving %s without it", group.name)
            return None
        if tally.alarming:
            bursts.burst_alert(tally, view=view, method=request.method or "")
        return _refusal(request, tally) if tally.refused else None


def _refusal(request: HttpRequest, tally: bursts.Tally) -> HttpResponse:
    """429 in the form the page's clients read: Open311's error document, JSON for data, a page for people."""
    message = _("Too many requests from your address. Please wait %(seconds)d seconds and try again.") % {
        "seconds": tally.retry_after}
    match = request.resolver_match
    response: HttpResponse
    if tally.group.name == "open311":
        # Open311 sits above this layer: its own renderer, named rather than imported
        render_errors = import_string("cityloop.open311.formats.render_errors")
        response = render_errors(match.kwargs.get("fmt", "json") if match else "json", 429, [message])
    elif request.path.endswith(".json"):
        response = JsonResponse({"code": "throttled", "message": message}, status=429)
    else:
        response = render(request, "security/too_many_requests.html", {"message": message}, status=429)
    response["Retry-After"] = str(tally.retry_after)
    return response
