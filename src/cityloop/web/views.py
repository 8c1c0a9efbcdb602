from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cityloop.tickets.selectors import ticket_overview
from cityloop.web.roles import SESSION_KEY, active_role, home_url, roles_of


def home(request: HttpRequest) -> HttpResponse:
    """Staff and signed-in citizens go to their role's first page; everyone else sees the public front page."""
    if request.user.is_authenticated:
        return redirect(home_url(active_role(request)))
    return render(request, "web/home.html", {"figures": ticket_overview()})


@require_POST
@login_required
def role_switch(request: HttpRequest) -> HttpResponse:
    role = request.POST.get("role", "")
    if role in roles_of(request.user):
        request.session[SESSION_KEY] = role
        return redirect(home_url(role))
    next_url = request.POST.get("next", "/")
    return redirect(next_url if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}) else "/")
