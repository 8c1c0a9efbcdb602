from typing import Any

from django.utils.translation import gettext as _

from cityloop.core.errors import InvalidInput
from cityloop.intelligence.models import KnowledgeArticle
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import TransitionInput, ticket_transition


def ticket_answer_from_article(*, ticket_id: int, article_id: int, actor: Any, note: str = "") -> Ticket:
    """Answer an inquiry with a knowledge-base article and close it at once (一次办结), the article linked."""
    article = KnowledgeArticle.objects.filter(pk=article_id, active=True).first()
    if article is None:
        raise InvalidInput(_("Choose an article of the knowledge base."), code="unknown_article",
                           details={"field": "article_id"})
    reply = article.answer if not note else f"{article.answer}\n\n{note}"
    return ticket_transition(ticket_id=ticket_id, action="answer", actor=actor,
                             params=TransitionInput(reply=reply, article_id=article.pk))
