from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityloop.tickets.selectors import ticket_overview


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"figures": ticket_overview()})
