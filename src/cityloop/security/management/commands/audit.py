from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityloop.security.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (`cityloop audit verify`) or seal new entries (`audit seal`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["verify", "seal"])

    def handle(self, *args: object, verb: str, **options: object) -> None:
        sealed = audit_seal()
        if verb == "seal":
            self.stdout.write(_("Sealed %(n)d entries.") % {"n": sealed})
            return
        result = audit_verify()
        if result.first_broken is not None:
            entry = result.first_broken
            raise CommandError(_("The audit chain is broken at entry %(seq)s (id %(id)s, %(at)s, %(action)s): "
                                 "%(reason)s. %(checked)d entries before it are intact.")
                               % {"seq": entry.seq, "id": entry.pk, "at": entry.at.isoformat(),
                                  "action": entry.action, "reason": result.reason, "checked": result.checked})
        self.stdout.write(_("The audit chain is intact: %(n)d entries verified, %(pending)d waiting to be sealed.")
                          % {"n": result.checked, "pending": result.unsealed})
