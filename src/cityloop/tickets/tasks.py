"""Side effects of ticket events, run after commit (eagerly in-process, or by Celery workers)."""

from celery import shared_task
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cityloop.core.conf import platform_setting
from cityloop.organisation.choices import Role
from cityloop.organisation.models import Membership
from cityloop.tickets.models import Ticket, TicketEvent
from cityloop.tickets.services import ticket_flag_overdue
from cityloop.tickets.workflow import action_label

# Events a citizen hears about, on the ticket itself and on every ticket merged into it.
CITIZEN_EVENTS = {"answer", "complete", "reopen", "merge"}


@shared_task
def ticket_notify_task(ticket_id: int, event_id: int) -> None:
    event = TicketEvent.objects.select_related("ticket").get(pk=event_id)
    ticket = event.ticket
    with translation.override("zh-hans"):
        if event.action in CITIZEN_EVENTS:
            told = [ticket, *ticket.merged_tickets.all()]
            recipients = sorted({t.citizen_email for t in told if t.citizen_email}
                                | {email for t in told for email in _subscribers(t.pk)})
            if recipients:
                send_mail(_("Your ticket %(number)s: %(action)s") % {"number": ticket.number,
                                                                    "action": action_label(event.action)},
                          _("Track it with its number on the citizen portal.\n\n%(text)s") % {"text": event.note},
                          None, recipients)
        elif event.action == "flag_overdue":
            _escalate(ticket)


def _subscribers(ticket_id: int) -> list[str]:
    """Addresses that asked for updates, from the providers named in the settings (the citizen portal's
    subscriptions): looked up by name so that this layer does not import the ones above it."""
    return [email for path in platform_setting("TICKET_RECIPIENT_PROVIDERS")
            for email in import_string(path)(ticket_id)]


def _escalate(ticket: Ticket) -> None:
    """Tell the handling unit and the supervisors whose area covers the ticket that it is overdue."""
    memberships = Membership.objects.select_related("user", "scope").filter(
        Q(role=Role.HANDLER, unit_id=ticket.unit_id) | Q(role=Role.SUPERVISOR), user__email__gt="")
    recipients = sorted({
        m.user.email for m in memberships
        if (m.role == Role.HANDLER and m.unit_id == ticket.unit_id)
        or (m.role == Role.SUPERVISOR and ticket.area_path.startswith(m.scope.path))
    })
    if recipients:
        send_mail(_("Overdue: ticket %(number)s") % {"number": ticket.number}, ticket.title, None, recipients)


@shared_task
def ticket_flag_overdue_task() -> int:
    return ticket_flag_overdue()
