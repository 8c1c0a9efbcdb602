"""The authorization matrix: every page and endpoint, as each kind of person, answers as the table says.

Every URL pattern is found by walking `get_resolver()`; its path converters are filled with the ids of the
objects made in `matrix_world` (a ticket filed by `citizen` and dispatched to the handler's unit, a
consultation, a reception, a deliberation topic with its vote, meeting and resolution, the network of the
street, a warning, an exemption...). Each URL is requested with GET as each actor, and each action with POST
and a body that would succeed for someone allowed; the answer's class must be the one in the tables:

    ok     2xx, or 3xx to anywhere but the sign-in page
    login  redirected to the sign-in page (pages) or 401 (API)
    403    refused
    404    "not found" -- also what a forbidden record looks like from outside
    4xx    refused for the request's content or state (400/405/409/422, or a redirect back with an error
           message) -- the gate let it through

Any 500 fails, and so does any refusal (login/403/404/4xx) that changed tickets, events, audit entries,
attachments, the ticket's row or any row of the route's own app. Each request runs in a savepoint rolled back
afterwards, so one actor's allowed action does not change what the next one meets.
"""

import dataclasses
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.db import connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from cityloop.conftest import World
from cityloop.handling.models import Attachment
from cityloop.security.models import AuditEntry
from cityloop.security.tests.matrix_world import build, post_body
from cityloop.tickets.models import Ticket, TicketEvent

# The apps whose every row a refused request must leave as it was (the ticket loop's are checked by count).
AUDITED_APPS = ("participation", "deliberation", "network", "assessment", "analytics")
ACTORS = ("anonymous", "citizen", "other_citizen", "other_handler", "handler", "street_supervisor",
          "supervisor", "admin")

# url name x actor -> expected class. Columns, in order:
#   anon  citizen(owner)  other-citizen  other-unit-handler  handler  street-leader  supervisor  admin
EXPECTED_GET: dict[str, str] = {
    # --- the shell
    "home":                                 "ok    ok    ok    ok    ok    ok    ok    ok",
    "role_switch":                          "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "login":                                "ok    ok    ok    ok    ok    ok    ok    ok",
    "logout":                               "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "set_language":                         "ok    ok    ok    ok    ok    ok    ok    ok",
    # --- REST API (bearer token for signed-in actors)
    "api:openapi-json":                     "ok    ok    ok    ok    ok    ok    ok    ok",
    "api:openapi-view":                     "ok    ok    ok    ok    ok    ok    ok    ok",
    "api:api-root":                         "404   404   404   404   404   404   404   404",
    "api:ticket_create":                    "login ok    ok    ok    ok    ok    ok    ok",    # same path: the list
    "api:ticket_list":                      "login ok    ok    ok    ok    ok    ok    ok",    # scoped (see below)
    "api:ticket_get":                       "login ok    404   404   ok    ok    ok    ok",
    "api:ticket_event_list":                "login ok    404   404   ok    ok    ok    ok",
    "api:ticket_transition":                "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "api:exemption_list":                   "login ok    ok    ok    ok    ok    ok    ok",    # scoped (see below)
    "api:exemption_request":                "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "api:exemption_decide":                 "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "api:callback_attempt_record":          "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "api:callback_list":                    "login 403   403   403   403   403   403   ok",    # the centre's staff
    # --- staff pages of the ticket loop
    "tickets:list":                         "login ok    ok    ok    ok    ok    ok    ok",    # scoped list
    "tickets:detail":                       "login ok    404   404   ok    ok    ok    ok",
    "tickets:act":                          "login 404   404   404   404   404   404   404",   # POST only; GET 404
    "intake:console":                       "login 403   403   403   403   403   403   ok",
    "intake:history":                       "login 403   403   403   403   403   403   ok",
    "intake:suggestions":                   "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "intake:grids":                         "login 403   403   403   403   403   403   ok",
    "intake:grid_at":                       "login 403   403   403   403   403   403   4xx",   # needs lat/lon
    "intake:answer":                        "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "dispatch:queue":                       "login 403   403   403   403   403   403   ok",
    "dispatch:dispatch":                    "login 403   403   403   403   403   403   ok",    # role gate first
    "dispatch:dispute":                     "login 403   403   403   403   403   403   ok",
    "handling:todo":                        "login 403   403   ok    ok    403   403   403",
    "handling:attachment_upload":           "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "handling:attachment_download":         "login ok    404   404   ok    ok    ok    ok",
    # --- supervision and assessment: supervisors (the street's sees the city's figures, its own tickets)
    "assessment:board":                     "login 403   403   403   403   ok    ok    ok",
    "assessment:press":                     "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "assessment:rankings":                  "login 403   403   403   403   ok    ok    ok",
    "assessment:scope":                     "login 403   403   403   403   ok    ok    ok",
    "assessment:tickets":                   "login 403   403   403   403   ok    ok    ok",    # scoped tickets
    "assessment:report":                    "login 403   403   403   403   ok    ok    ok",
    "assessment:reviews":                   "login 403   403   403   403   ok    ok    ok",
    "assessment:exemption_decide":          "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "assessment:exemption_request":         "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "assessment:review_close":              "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    # callbacks are the centre's operators' (the administrator here)
    "assessment:callbacks":                 "login 403   403   403   403   403   403   ok",
    "assessment:callback":                  "login 403   403   403   403   403   403   ok",
    "assessment:callback_record":           "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "assessment:callback_unreachable":      "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    # --- analysis: analysts, supervisors and administrators, each within their area
    "analytics:overview":                   "login 403   403   403   403   ok    ok    ok",
    "analytics:overview_csv":               "login 403   403   403   403   ok    ok    ok",
    "analytics:brain":                      "login 403   403   403   403   ok    ok    ok",
    "analytics:brain_json":                 "login 403   403   403   403   ok    ok    ok",
    "analytics:brain_csv":                  "login 403   403   403   403   ok    ok    ok",
    "analytics:warnings":                   "login 403   403   403   403   ok    ok    ok",
    "analytics:warning":                    "login 403   403   403   403   ok    ok    ok",    # in the street's grid
    # --- the citizens' portal ("login" = the citizen's code sign-in at /portal/track/)
    "portal:report":                        "ok    ok    ok    ok    ok    ok    ok    ok",
    "portal:reported":                      "ok    ok    ok    ok    ok    ok    ok    ok",
    "portal:track":                         "ok    ok    ok    ok    ok    ok    ok    ok",
    "portal:code":                          "login login login login login login login login", # POST only
    "portal:sign_in":                       "ok    ok    ok    ok    ok    ok    ok    ok",
    "portal:sign_in_code":                  "ok    ok    ok    ok    ok    ok    ok    ok",    # back to sign_in
    "portal:mine":                          "login ok    ok    ok    ok    ok    ok    ok",    # each sees own only
    "portal:ticket":                        "login ok    404   404   404   404   404   404",   # the owner's page
    "portal:rate":                          "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "portal:subscribe":                     "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "portal:unsubscribe":                   "404   404   404   404   404   404   404   404",   # unsigned token
    "portal:map":                           "ok    ok    ok    ok    ok    ok    ok    ok",
    "portal:map_data":                      "ok    ok    ok    ok    ok    ok    ok    ok",
    "portal:grids":                         "ok    ok    ok    ok    ok    ok    ok    ok",
    # --- Open311 GeoReport v2 (public by design; contact data never in it)
    "open311:services":                     "ok    ok    ok    ok    ok    ok    ok    ok",
    "open311:service":                      "ok    ok    ok    ok    ok    ok    ok    ok",
    "open311:requests":                     "ok    ok    ok    ok    ok    ok    ok    ok",
    "open311:request":                      "ok    ok    ok    ok    ok    ok    ok    ok",
    "open311:token":                        "404   404   404   404   404   404   404   404",   # unknown token
    # --- participation: the consultation is run by the handler's unit, the liaison station by the street office
    "participation:consultations":          "ok    ok    ok    ok    ok    ok    ok    ok",
    "participation:consultation":           "ok    ok    ok    ok    ok    ok    ok    ok",    # open for comment
    "participation:consultation_new":       "login 403   403   ok    ok    ok    ok    ok",    # for one's own unit
    "participation:analysis":               "login 403   403   403   ok    403   403   ok",
    "participation:version":                "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:support":                "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:flag":                   "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:advance":                "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:group":                  "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:decide":                 "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:enter":                  "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:from_ticket":            "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:publish":                "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:hide":                   "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:stance":                 "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:regroup":                "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "participation:report":                 "404   404   404   404   ok    404   404   ok",    # not published yet
    "participation:report_docx":            "404   404   404   404   ok    404   404   ok",
    "participation:survey":                 "ok    ok    ok    ok    ok    ok    ok    ok",
    "participation:survey_results":         "ok    ok    ok    ok    ok    ok    ok    ok",    # published results
    # every response, row by row: for those who run the consultation (see KNOWN_WRONG)
    "participation:survey_csv":             "login 403   403   403   ok    403   403   ok",
    "participation:resident_lists":         "login 403   403   403   403   403   403   ok",
    "participation:resident_list":          "login 404   404   404   404   404   404   ok",
    "participation:receptions":             "ok    ok    ok    ok    ok    ok    ok    ok",
    "participation:reception":              "ok    ok    ok    ok    ok    ok    ok    ok",
    "participation:reception_record":       "login 403   403   403   403   ok    403   ok",
    "participation:deputy":                 "login 403   403   403   403   ok    403   ok",
    "participation:issue_answer":           "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    # --- deliberation: a public topic of the street's community, organised by the street's supervisor
    "deliberation:topics":                  "ok    ok    ok    ok    ok    ok    ok    ok",
    "deliberation:topic_new":               "login 403   403   403   403   ok    ok    ok",    # organisers only
    "deliberation:services":                "ok    ok    ok    ok    ok    ok    ok    ok",
    "deliberation:task_assign":             "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "deliberation:topic":                   "ok    ok    ok    ok    ok    ok    ok    ok",
    "deliberation:topic_action":            "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "deliberation:statements":              "ok    ok    ok    ok    ok    ok    ok    ok",
    "deliberation:statement_add":           "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "deliberation:statements_csv":          "ok    ok    ok    ok    ok    ok    ok    ok",    # counts, no one named
    "deliberation:statement_action":        "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "deliberation:meeting_action":          "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "deliberation:vote":                    "ok    ok    ok    ok    ok    ok    ok    ok",
    "deliberation:vote_action":             "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "deliberation:resolution_progress":     "login 4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    # --- the network: staff with an area scope; `citizen` leads the building group
    "network:index":                        "login ok    403   403   403   ok    ok    ok",
    "network:grid":                         "login 403   403   403   403   ok    ok    ok",
    "network:report":                       "login ok    404   404   404   404   404   ok",    # leader, or may create
    "network:offices":                      "login 403   403   403   403   ok    ok    ok",
    "network:office":                       "login 403   403   403   403   ok    ok    ok",
    "network:rate":                         "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "network:follow_up_done":               "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "network:measure_progress":             "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "network:organisations":                "login 403   403   403   403   ok    ok    ok",
    "network:volunteer":                    "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "network:meetings":                     "login 403   403   403   403   ok    ok    ok",
    "network:meeting":                      "login 403   403   403   403   ok    ok    ok",
    "network:project_create":               "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "network:project_progress":             "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",   # POST only
    "network:workers":                      "login 403   403   403   403   ok    ok    ok",
    "network:import":                       "login 403   403   403   403   ok    ok    ok",
}

# POST on action endpoints, with a body that would succeed for someone allowed (matrix_world.post_body). A
# route with variants ("name/variant") is posted once per variant: the action in its URL or in its body.
EXPECTED_POST: dict[str, str] = {
    "api:ticket_create":                    "login ok    ok    ok    ok    ok    ok    ok",
    # "urge" is a supervisor's action: the owner and the handling unit see the ticket but may not urge
    "api:ticket_transition/urge":           "login 403   404   404   403   ok    ok    ok",
    # exemptions: asked by the primary unit's handler, decided by a supervisor of the ticket's area
    "api:exemption_request":                "login 404   404   404   ok    403   403   403",
    "api:exemption_decide":                 "login 404   404   404   404   ok    ok    ok",
    "api:callback_attempt_record":          "login 404   404   404   403   403   403   ok",
    # "sign" is the handling unit's; others who can see the ticket get the form back with the refusal
    "tickets:act/sign":                     "login 4xx   404   404   ok    4xx   4xx   4xx",
    # answering is for a received ticket only: the operator (admin here) passes the gate, the workflow refuses
    "intake:answer":                        "login 403   403   403   403   403   403   4xx",
    # the ticket is already dispatched: the dispatcher (admin) passes the gate, the workflow refuses
    "dispatch:dispatch":                    "login 403   403   403   403   403   403   4xx",
    "dispatch:dispute":                     "login 403   403   403   403   403   403   4xx",
    "handling:attachment_upload":           "login 403   404   404   ok    403   403   ok",
    "assessment:press":                     "login 403   403   403   403   ok    ok    ok",
    "assessment:exemption_decide":          "login 403   403   403   403   ok    ok    ok",
    "assessment:exemption_request":         "login 404   404   404   ok    403   403   403",
    "assessment:review_close":              "login 403   403   403   403   ok    ok    ok",
    "assessment:callback_record":           "login 403   403   403   403   403   403   ok",
    "assessment:callback_unreachable":      "login 403   403   403   403   403   403   ok",
    "analytics:warning/acknowledge":        "login 403   403   403   403   ok    ok    ok",
    # a proactive task needs the rights to create and dispatch tickets: not a supervisor's
    "analytics:warning/task":               "login 403   403   403   403   403   403   ok",
    # rating needs a completed ticket (this one is dispatched): the owner passes the gate only
    "portal:rate":                          "login 4xx   404   404   404   404   404   404",
    "portal:subscribe":                     "login ok    404   404   404   404   404   404",
    # --- participation (none of the actors is a verified resident: their opinions, support, answers and
    # bookings are refused; staff book for a caller by phone)
    "participation:consultation":           "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",
    "participation:consultation_new":       "login 403   403   4xx   ok    4xx   4xx   ok",    # others: not their unit
    "participation:version":                "login 403   403   403   ok    403   403   ok",
    "participation:support":                "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",
    "participation:flag":                   "4xx   ok    ok    ok    ok    ok    ok    ok",
    "participation:advance":                "login 403   403   403   ok    403   403   ok",
    "participation:group":                  "login 403   403   403   ok    403   403   ok",
    "participation:decide":                 "login 403   403   403   ok    403   403   ok",
    "participation:enter":                  "login 403   403   403   ok    403   403   ok",
    "participation:from_ticket":            "login 403   403   403   4xx   403   403   4xx",   # a complaint, no opinion
    "participation:publish":                "login 403   403   403   4xx   403   403   4xx",   # still open for comment
    "participation:hide":                   "login 403   403   403   ok    403   403   ok",
    "participation:stance":                 "login 403   403   403   ok    403   403   ok",
    "participation:regroup":                "login 403   403   403   ok    403   403   ok",
    "participation:survey":                 "4xx   4xx   4xx   4xx   4xx   4xx   4xx   4xx",
    "participation:receptions":             "403   403   403   403   403   ok    403   ok",
    "participation:reception":              "4xx   4xx   4xx   4xx   4xx   ok    4xx   ok",
    "participation:reception_record/record":"login 403   403   403   403   ok    403   ok",
    "participation:reception_record/issue": "login 403   403   403   403   ok    403   ok",
    "participation:issue_answer":           "login 4xx   4xx   4xx   4xx   ok    4xx   ok",
    # --- deliberation: the organisers' actions do not exist for others (404); anyone signed in may add a
    # statement (moderated), vote on one, or give an opinion online
    "deliberation:topic_new":               "login 403   403   403   403   ok    ok    ok",
    "deliberation:task_assign":             "login 404   404   404   404   ok    ok    ok",
    "deliberation:topic_action/meeting":    "login 404   404   404   404   ok    ok    ok",
    "deliberation:topic_action/resolution": "login 404   404   404   404   ok    ok    ok",
    "deliberation:statement_add":           "login ok    ok    ok    ok    ok    ok    ok",
    "deliberation:statement_action/agree":  "login ok    ok    ok    ok    ok    ok    ok",
    "deliberation:statement_action/approve":"login 404   404   404   404   ok    ok    ok",
    "deliberation:meeting_action/opinion":  "login ok    ok    ok    ok    ok    ok    ok",
    "deliberation:meeting_action/minutes":  "login 404   404   404   404   ok    ok    ok",
    "deliberation:vote_action/ballot":      "login 404   404   404   404   ok    ok    ok",    # organisers record paper
    "deliberation:vote_action/close":       "login 404   404   404   404   ok    ok    ok",
    "deliberation:resolution_progress":     "login 404   404   404   404   ok    ok    ok",
    # --- the network
    "network:report":                       "login ok    404   404   404   404   404   ok",
    "network:office/survey":                "login 403   403   403   403   ok    ok    ok",
    "network:office/request":               "login 403   403   403   403   ok    ok    ok",
    "network:rate":                         "login 404   404   404   404   ok    ok    ok",
    "network:follow_up_done":               "login 404   404   404   404   ok    ok    ok",
    "network:measure_progress":             "login 404   404   404   404   ok    ok    ok",
    "network:volunteer":                    "login 404   404   404   404   ok    ok    ok",
    "network:project_create":               "login 404   404   404   404   ok    ok    ok",
    "network:project_progress":             "login 404   404   404   404   ok    ok    ok",
    "network:import":                       "login 403   403   403   403   ok    ok    ok",
}

# The variants of a route: the action named in its URL, or the form its body fills. GET uses the first.
VARIANTS: dict[str, tuple[str, ...]] = {
    "api:ticket_transition": ("urge",), "tickets:act": ("sign",),
    "deliberation:topic_action": ("meeting", "resolution"), "deliberation:statement_action": ("agree", "approve"),
    "deliberation:meeting_action": ("opinion", "minutes"), "deliberation:vote_action": ("ballot", "close"),
    "participation:reception_record": ("record", "issue"), "network:office": ("survey", "request"),
    "analytics:warning": ("acknowledge", "task"),
}

# Wrong answers found in apps whose authors are still at work on them (participation, assessment), for them
# to fix: (method, table key, actor) -> what it answers today. The tables above hold the right answer; the
# matrix accepts today's answer for these cells only, and fails once one is fixed, until its line goes (strict).
KNOWN_WRONG: dict[tuple[str, str, str], str] = {}

# Which object a route's `pk` names, and the format a route's `fmt` asks for.
PK_OF = {"deliberation:topic": "topic", "deliberation:topic_action": "topic", "deliberation:statements": "topic",
         "deliberation:statement_add": "topic", "deliberation:statements_csv": "topic",
         "deliberation:statement_action": "statement", "deliberation:meeting_action": "meeting",
         "deliberation:vote": "vote", "deliberation:vote_action": "vote",
         "deliberation:resolution_progress": "resolution", "analytics:warning": "warning"}
FMT_OF = {"assessment:report": "docx"}
# The object each `<name>_id` parameter names (the rest are named after their object), and the routes whose
# `ticket_id` is the completed ticket (callbacks and exemptions are for completed tickets).
ID_OF = {"building_id": "office", "meeting_id": "joint_meeting", "group_id": "group"}
COMPLETED_TICKET = ("assessment:exemption_request", "assessment:callback", "assessment:callback_record",
                    "assessment:callback_unreachable", "api:exemption_request", "api:callback_attempt_record")


@dataclasses.dataclass
class Route:
    name: str
    app: str
    params: tuple[str, ...]


def view_module(callback: Any) -> str:
    """The module of a URL's view; for the REST API, of the operation behind ninja's wrapper."""
    for cell in getattr(callback, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations:
            return str(operations[0].view_func.__module__)
    return getattr(callback, "__module__", "") or ""


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(resolver: URLResolver, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or ""
                walk(entry, f"{namespace}:{ns}".strip(":") if ns else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                callback_module = view_module(entry.callback)
                params = tuple(entry.pattern.regex.groupindex)
                found.append(Route(f"{namespace}:{entry.name}".strip(":"), callback_module, params))

    walk(get_resolver(), "")
    return [r for r in found if not r.name.startswith("admin:")]


def fill(world: World, objects: dict[str, Any], route: Route, variant: str | None) -> str | None:
    """The route's URL with its converters filled from the objects made for the matrix, or None."""
    ticket = objects["ticket"]
    values: dict[str, Any] = {
        "number": ticket.number, "service_request_id": ticket.number, "code": objects["category"].code,
        "token": "nosuchtoken0000", "dataset": "daily", "fmt": FMT_OF.get(route.name, "json"),
        "month": objects["month"], "kind": "unit", "scope_id": world.department.pk, "measure": "response_due",
        "community_id": world.community.pk, "action": variant}
    kwargs = {}
    for param in route.params:
        if param == "pk":
            kwargs[param] = objects[PK_OF[route.name]].pk
        elif param in values:
            kwargs[param] = values[param]
        elif param == "ticket_id":
            kwargs[param] = objects["completed" if route.name in COMPLETED_TICKET else "ticket"].pk
        elif param.endswith("_id"):
            kwargs[param] = objects[ID_OF.get(param, param.removesuffix("_id"))].pk
    try:
        return reverse(route.name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def client_for(world: World, actor: str, api: bool) -> Client:
    if actor == "anonymous":
        return Client()
    if api:
        return world.client(actor)
    client = Client()
    client.force_login(world.users[actor])
    return client


def classify(response: Any) -> str:
    status = response.status_code
    if status >= 500:
        return "500"
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        if "/accounts/login/" in location or "/portal/track/" in location:
            return "login"
        # a page that refuses with a message and goes back (the refusal's words in the flash message)
        queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
        return "4xx" if any(m.level == messages.ERROR for m in queued) else "ok"
    if status < 300:
        return "ok"
    if status == 401:
        return "login"
    if status in (403, 404):
        return str(status)
    return "4xx"


def snapshot(ticket: Ticket, app: str, method: str) -> dict[str, Any]:
    """What a refused request must leave alone: tickets, events, audit entries, attachments, the ticket's row,
    and the route's own app: the number of rows of each of its tables, and for a POST every row (read in one
    query for the counts, one per non-empty table for the rows, since the matrix takes some thousand of these)."""
    state: dict[str, Any] = {
        "tickets": Ticket.objects.count(), "events": TicketEvent.objects.count(),
        "audit": AuditEntry.objects.count(), "attachments": Attachment.objects.count(),
        "row": Ticket.objects.filter(pk=ticket.pk).values().get()}
    if app not in AUDITED_APPS:
        return state
    models = list(apps.get_app_config(app).get_models())
    quote = connection.ops.quote_name
    # the app's own table names, quoted
    counted = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counted}")
        counts = dict(zip([m._meta.label for m in models], cursor.fetchone(), strict=True))
    state[f"{app} rows"] = counts
    if method == "POST":
        for model in models:
            if counts[model._meta.label]:
                state[model._meta.label] = list(model.objects.order_by("pk").values_list())
    return state


def changed(before: dict[str, Any], after: dict[str, Any], got: str) -> list[str]:
    """What a refused request changed. A form shown again with its errors (4xx) may log the sensitive read
    of the page it re-renders, so the audit count is compared only for login/403/404 refusals."""
    keys = [k for k in before if k != "audit" or got in ("login", "403", "404")]
    return [k for k in keys if before[k] != after[k]]


def table(expected: dict[str, str]) -> dict[str, dict[str, str]]:
    return {name: dict(zip(ACTORS, line.split(), strict=True)) for name, line in expected.items()}


def requests_to_make(method: str) -> list[tuple[Route, str, str | None]]:
    """(route, table key, variant) for every request of the run."""
    made = []
    for route in routes():
        variants = VARIANTS.get(route.name, (None,))
        if method == "GET":
            made.append((route, route.name, variants[0]))
            continue
        for variant in variants:
            key = f"{route.name}/{variant}" if variant else route.name
            if key in EXPECTED_POST:
                made.append((route, key, variant))
    return made


def run_matrix(world: World, method: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    objects = build(world)
    ticket = objects["ticket"]
    expected = table(EXPECTED_GET if method == "GET" else EXPECTED_POST)
    problems: list[str] = []
    observed: dict[str, dict[str, str]] = {}
    clients = {(a, api): client_for(world, a, api) for a in ACTORS for api in (False, True)}
    for route, key, variant in requests_to_make(method):
        url = fill(world, objects, route, variant)
        if url is None:
            problems.append(f"{route.name}: could not fill its URL")
            continue
        api = url.startswith("/api/")
        app = route.app.split(".")[1] if route.app.startswith("cityloop.") else ""
        row = expected.get(key)
        if row is None:
            problems.append(f"{key}: not in the table")
            row = {}
        before = snapshot(ticket, app, method)  # the same before every request: each one is rolled back
        for actor in ACTORS:
            client = clients[(actor, api)]
            with transaction.atomic():
                if method == "GET":
                    response = client.get(url)
                else:
                    body, content_type = post_body(world, objects, key)
                    response = (client.post(url, body, content_type=content_type) if content_type
                                else client.post(url, body))
                got = classify(response)
                after = snapshot(ticket, app, method) if got not in ("ok", "500") else before
                transaction.set_rollback(True)
            observed.setdefault(key, {})[actor] = got
            want = row.get(actor, "?")
            wrong_today = KNOWN_WRONG.get((method, key, actor))
            if got == "500":
                problems.append(f"{method} {url} as {actor}: server error")
            elif wrong_today is not None:
                if got != wrong_today:
                    problems.append(f"{method} {key} as {actor}: listed in KNOWN_WRONG as {wrong_today}, now "
                                    f"{got} (expected {want}): remove the line once fixed")
            elif want != got:
                problems.append(f"{method} {url} as {actor}: expected {want}, got {got} ({response.status_code})")
            if got not in ("ok", "500") and changed(before, after, got):
                problems.append(f"{method} {url} as {actor}: refused ({response.status_code}) but changed "
                                f"{changed(before, after, got)}")
    return problems, observed


def render(observed: dict[str, dict[str, str]]) -> str:
    return "\n".join(f'    "{name}":'.ljust(44) + '"' + " ".join(f"{observed[name][a]:<5}" for a in ACTORS).rstrip()
                     + '",' for name in observed)


def test_every_page_answers_each_actor_as_the_table_says_get(world: World) -> None:
    problems, observed = run_matrix(world, "GET")
    assert not problems, "\n".join(problems) + "\n\nobserved:\n" + render(observed)


def test_every_action_answers_each_actor_as_the_table_says_post(world: World) -> None:
    problems, observed = run_matrix(world, "POST")
    assert not problems, "\n".join(problems) + "\n\nobserved:\n" + render(observed)


def test_the_tables_have_no_unclassified_cell() -> None:
    cells = [(key, actor, want) for expected in (EXPECTED_GET, EXPECTED_POST)
             for key, row in table(expected).items() for actor, want in row.items()]
    assert {want for _k, _a, want in cells} <= {"ok", "login", "403", "404", "4xx"}
    assert all(method in ("GET", "POST") and key in (EXPECTED_GET if method == "GET" else EXPECTED_POST)
               and actor in ACTORS for method, key, actor in KNOWN_WRONG)


def test_scoped_lists_show_only_what_each_actor_may_see(world: World) -> None:
    objects = build(world)
    ticket = objects["ticket"]
    seen = {}
    for actor in ACTORS[1:]:
        body = world.client(actor).get("/api/tickets?limit=100").json()
        seen[actor] = ticket.pk in {item["id"] for item in body["items"]}
    assert seen == {"citizen": True, "other_citizen": False, "other_handler": False, "handler": True,
                    "street_supervisor": True, "supervisor": True, "admin": True}
    exemption = objects["exemption"].pk
    decided_by = {actor for actor in ACTORS[1:]
                  if exemption in {item["id"] for item in world.client(actor).get("/api/exemptions").json()["items"]}}
    assert decided_by == {"street_supervisor", "supervisor", "admin"}
