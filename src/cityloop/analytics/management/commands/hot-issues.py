"""`cityloop hot-issues`: the hottest groups of messages about the same matter in the same place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityloop.analytics.hot import hot_issues, platform_messages, read_fj3
from cityloop.core import clock
from cityloop.tickets.models import Ticket


class Command(BaseCommand):
    help = "Group messages about the same matter in the same place and rank the groups by heat (热点问题)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", help="a CSV in the fj3 layout (留言编号,留言用户,留言主题,留言时间,留言详情,"
                                            "反对数,点赞数); without it, the platform's own tickets")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--days", type=int, default=90, help="platform tickets of the last N days")
        parser.add_argument("--show", type=int, default=5, help="messages listed per issue")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["input"]:
            path = Path(options["input"])
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
            try:
                messages = read_fj3(path)
            except KeyError as exc:
                raise CommandError(_("The file lacks the column %(column)s") % {"column": exc}) from exc
        else:
            since = clock.now() - dt.timedelta(days=options["days"])
            messages = platform_messages(
                Ticket.objects.filter(created_at__gte=since).exclude(channel="analysis")
                .exclude(ticket_type="inquiry").order_by()
                .values_list("pk", "title", "description", "created_at", "citizen_phone", "area__name"))
        for issue in hot_issues(messages, top=options["top"]):
            span = f"{issue.first:%Y-%m-%d}..{issue.last:%Y-%m-%d}" if issue.first and issue.last else ""
            self.stdout.write(f"{issue.rank}. {issue.name}  [heat {issue.heat}; {len(issue.messages)} messages; "
                              f"{span}; support {issue.support}]")
            for message in issue.messages[: options["show"]]:
                self.stdout.write(f"    {message.id}  {message.at:%Y-%m-%d}  {message.subject}" if message.at
                                  else f"    {message.id}  {message.subject}")
