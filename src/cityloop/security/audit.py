"""The audit log: record in the change's transaction, seal into the hash chain, verify the chain."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.db import insert
from cityloop.security.models import AuditEntry

GENESIS = "0" * 64
# Entries younger than this are left for the next seal: a transaction that inserted an entry may still be
# open, and sealing around it would put it out of commit order.
SEAL_DELAY = dt.timedelta(seconds=2)


def audit_record(*, actor: Any, action: str, object_type: str, object_id: object = "",
                 data: dict[str, Any] | None = None) -> AuditEntry:
    """Note a change or a sensitive read; call it inside the transaction of the change it records."""
    entry = AuditEntry(
        at=clock.now(), actor=actor if actor is not None and actor.is_authenticated else None, action=action,
        object_type=object_type, object_id=str(object_id), data=data or {})
    insert(entry)
    return entry


def audit_seal(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Give unsealed entries their place in the chain, oldest first; returns how many were sealed."""
    cutoff = (now or clock.now()) - SEAL_DELAY
    sealed = 0
    while True:
        with transaction.atomic():
            head = AuditEntry.objects.select_for_update().exclude(seq=None).order_by("-seq").first()
            seq, prev = (head.seq, head.hash) if head and head.seq is not None else (0, GENESIS)
            pending = list(AuditEntry.objects.select_for_update().filter(seq=None, at__lte=cutoff)
                           .order_by("id")[:batch])
            for entry in pending:
                seq += 1
                entry.seq, entry.prev_hash = seq, prev
                entry.hash = prev = entry.digest(entry.prev_hash)
            AuditEntry.objects.bulk_update(pending, ["seq", "prev_hash", "hash"])
        sealed += len(pending)
        if len(pending) < batch:
            return sealed


@dataclass(frozen=True)
class Verification:
    checked: int
    first_broken: AuditEntry | None
    reason: str
    unsealed: int


def audit_verify() -> Verification:
    """Recompute the chain from the start; name the first entry whose stored hash or link is wrong."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in AuditEntry.objects.exclude(seq=None).order_by("seq").iterator(chunk_size=5000):
        reason = ""
        if entry.seq != expected_seq:
            reason = _("an entry before it is missing")
        elif entry.prev_hash != prev:
            reason = _("its link to the previous entry was altered")
        elif entry.digest(prev) != entry.hash:
            reason = _("its content was altered")
        if reason:
            return Verification(checked, entry, reason, AuditEntry.objects.filter(seq=None).count())
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return Verification(checked, None, "", AuditEntry.objects.filter(seq=None).count())
