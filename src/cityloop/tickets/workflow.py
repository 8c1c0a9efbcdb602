"""The ticket workflow as data: which action moves a ticket from which states to which, under which permission.

`ticket_transition()` in services.py is the only code that applies it; docs/workflow.md is generated from it
(`cityloop workflow-diagram`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cityloop.security import grants as g
from cityloop.tickets.choices import Status as S

SYSTEM = "system"  # performed by the platform's own jobs, never by a person


@dataclass(frozen=True)
class Transition:
    action: str
    label: Promise
    sources: frozenset[str]
    target: str | None  # None: the ticket stays where it is (a note, an urge)
    permission: str
    fields: tuple[str, ...]  # what the action takes from TransitionInput, in the order forms show it


def _t(action: str, label: Promise, sources: Iterable[str], target: str | None, permission: str, *,
       fields: tuple[str, ...] = ("note",)) -> Transition:
    return Transition(action, label, frozenset(sources), target, permission, fields)


WORKING = {S.SIGNED, S.IN_PROGRESS, S.EXTENSION_PENDING, S.SUSPENDED}
ASSIGNED = {S.DISPATCHED, *WORKING}

TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    _t("answer", _("Answer directly"), {S.RECEIVED}, S.CLOSED, g.ANSWER, fields=("reply",)),
    _t("dispatch", _("Dispatch"), {S.RECEIVED, S.RETURNED}, S.DISPATCHED, g.DISPATCH,
       fields=("unit_id", "co_unit_ids", "note")),
    _t("return", _("Return"), {S.DISPATCHED}, S.RETURNED, g.RETURN),
    _t("dispute", _("Send to arbitration"), {S.RETURNED}, S.DISPUTED, g.DISPATCH),
    _t("arbitrate", _("Arbitrate"), {S.DISPUTED}, S.DISPATCHED, g.ARBITRATE,
       fields=("unit_id", "co_unit_ids", "note")),
    _t("sign", _("Sign for"), {S.DISPATCHED}, S.SIGNED, g.SIGN, fields=()),
    _t("contact", _("Contact the citizen"), {S.SIGNED}, S.IN_PROGRESS, g.HANDLE),
    _t("note", _("Add a progress note"), WORKING, None, g.HANDLE),
    _t("summon", _("Summon co-handling units"), {S.SIGNED, S.IN_PROGRESS}, None, g.HANDLE,
       fields=("co_unit_ids", "note")),
    _t("request_extension", _("Request an extension"), {S.IN_PROGRESS}, S.EXTENSION_PENDING, g.HANDLE,
       fields=("days", "note")),
    _t("approve_extension", _("Approve the extension"), {S.EXTENSION_PENDING}, S.IN_PROGRESS,
       g.REVIEW_EXTENSION, fields=("days", "note")),
    _t("refuse_extension", _("Refuse the extension"), {S.EXTENSION_PENDING}, S.IN_PROGRESS, g.REVIEW_EXTENSION),
    _t("suspend", _("Suspend"), {S.IN_PROGRESS}, S.SUSPENDED, g.HANDLE),
    _t("resume", _("Resume"), {S.SUSPENDED}, S.IN_PROGRESS, g.HANDLE),
    _t("complete", _("Complete with a reply"), {S.IN_PROGRESS}, S.COMPLETED, g.HANDLE, fields=("reply",)),
    _t("callback", _("Record the callback"), {S.COMPLETED}, S.CLOSED, g.CALLBACK,
       fields=("resolved", "satisfaction", "note")),
    # The callback is over without answers (the citizen was not reached, see assessment): closed by the platform.
    _t("close_unreachable", _("Close: citizen not reached"), {S.COMPLETED}, S.CLOSED, SYSTEM),
    _t("reopen", _("Reopen"), {S.CLOSED}, S.DISPATCHED, g.REOPEN),
    _t("merge", _("Merge into another ticket"), {S.RECEIVED, S.RETURNED, *ASSIGNED}, S.MERGED, g.MERGE,
       fields=("merged_into_id", "note")),
    _t("invalidate", _("Mark invalid"), {S.RECEIVED}, S.INVALID, g.INVALIDATE),
    _t("urge", _("Urge"), ASSIGNED, None, g.SUPERVISE),
    _t("supervise", _("Supervise"), ASSIGNED, None, g.SUPERVISE),
    _t("flag_overdue", _("Flag as overdue"), ASSIGNED, None, SYSTEM, fields=()),
]}

# Reopening (重办) is allowed this many times; after that an unsatisfied ticket goes to a supervisor.
MAX_REOPENS = 2


def action_label(action: str) -> str:
    """How the timeline names an event: a workflow action, or "received" for the ticket's first event."""
    if action == "receive":
        return str(_("Received"))
    return str(TRANSITIONS[action].label) if action in TRANSITIONS else action


def allowed_actions(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources and t.permission != SYSTEM]


def workflow_markdown() -> str:
    """The workflow as a Mermaid state diagram and a table, generated so that the docs cannot drift."""
    from django.utils import translation

    from cityloop.tickets.choices import Status

    with translation.override("en"):
        lines = ["# Ticket workflow", "", "Generated from `cityloop/tickets/workflow.py` by "
                 "`cityloop workflow_diagram --output docs/workflow.md`; do not edit by hand.", "",
                 "```mermaid", "stateDiagram-v2", "    [*] --> received: receive"]
        for t in TRANSITIONS.values():
            if t.target is not None:
                lines += [f"    {source} --> {t.target}: {t.action}" for source in sorted(t.sources)]
        lines += ["    closed --> [*]", "    merged --> [*]", "    invalid --> [*]", "```", "",
                  "| action | label | from | to | permission | input |", "|---|---|---|---|---|---|"]
        for t in TRANSITIONS.values():
            sources = ", ".join(sorted(t.sources))
            lines.append(f"| `{t.action}` | {t.label} | {sources} | {t.target or '(stays)'} | `{t.permission}` | "
                         f"{', '.join(t.fields) or '-'} |")
        lines += ["", "States: " + ", ".join(f"`{s.value}` ({s.label})" for s in Status) + ".", ""]
    return "\n".join(lines)
