"""Reply quality (答复质量): relevance, completeness, explanation and timeliness of a reply, each in 0..1.

Plain text measures, no trained model: character bigrams for similarity and coverage, patterns for the legal or
policy basis (根据《…》第…条), next steps and a contact phone, working days on the Chinese calendar.
"""

import datetime as dt
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass

from cityloop.tickets.calendar import WorkingCalendar

WEIGHTS = {"relevance": 0.3, "completeness": 0.3, "explanation": 0.25, "timeliness": 0.15}
_NOISE = re.compile(r"[\s\u3000\xa0]+")
_CLAUSE = re.compile(r"[。！？!?；;\n]+")
_PUNCT = re.compile(r"[，,、：:“”\"'（）()《》【】\[\]…—\-\d\s]")
# Boilerplate of replies that says nothing about the demand.
_STOP = set("您好的了是在我和有对就也都而及与着或一个我们你们这那")
BASIS = re.compile(r"(根据|依据|按照|依照|参照)[^。；]{0,30}(《[^》]{2,40}》|规定|政策|文件|条例|办法)"
                   r"|《[^》]{2,40}》[^。]{0,20}第[^。]{1,6}条")
NEXT_STEPS = re.compile(r"(下一步|后续|将继续|将进一步|将加强|将督促|责令|限期|整改|已安排|正在|计划|将于|待.{0,10}后)")
CONTACT = re.compile(r"(联系电话|咨询电话|电话[:：]?\s*\d|\d{3,4}-\d{7,8}"
                     r"|(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{7,8}(?!\d))")
QUESTION = re.compile(r"(吗|么|怎么|如何|是否|能否|为什么|为何|何时|哪|多少|？|\?)")


def clean(text: str) -> str:
    return _NOISE.sub("", text or "")


def bigrams(text: str) -> Counter[str]:
    chars = [c for c in _PUNCT.sub("", clean(text)) if c not in _STOP]
    return Counter(a + b for a, b in itertools.pairwise(chars))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def demand_points(demand: str) -> list[str]:
    """The points of a demand: its clauses of some length, questions first."""
    clauses = [c for c in _CLAUSE.split(clean(demand)) if len(_PUNCT.sub("", c)) >= 6]
    return sorted(clauses, key=lambda c: not QUESTION.search(c))[:12]


def completeness(demand: str, reply: str) -> float:
    """Share of the demand's points whose words (bigrams) the reply takes up, questions weighing double."""
    points = demand_points(demand)
    if not points:
        return 1.0
    answer = bigrams(reply)
    covered = total = 0.0
    for point in points:
        grams = bigrams(point)
        weight = 2.0 if QUESTION.search(point) else 1.0
        total += weight
        if grams and sum(1 for g in grams if g in answer) / len(grams) >= 0.25:
            covered += weight
    return covered / total


def explanation(reply: str) -> float:
    text = clean(reply)
    return (0.5 * bool(BASIS.search(text)) + 0.3 * bool(NEXT_STEPS.search(text))
            + 0.2 * bool(CONTACT.search(text)))


def working_days(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> float:
    """Office time between receipt and reply, in working days."""
    per_day = sum((dt.datetime.combine(dt.date(2000, 1, 3), b) - dt.datetime.combine(dt.date(2000, 1, 3), a))
                  .total_seconds() for a, b in calendar.windows)
    if end <= start:
        return 0.0
    return calendar.working_seconds_between(start, end) / per_day


def timeliness(days: float | None) -> float:
    """1 within 3 working days, falling to 0.5 at 13 working days (the complaint limit) and 0 at 30."""
    if days is None:
        return 0.5
    if days <= 3:
        return 1.0
    if days <= 13:
        return 1.0 - 0.5 * (days - 3) / 10
    return max(0.0, 0.5 - 0.5 * (days - 13) / 17)


@dataclass(frozen=True)
class Quality:
    relevance: float
    completeness: float
    explanation: float
    timeliness: float
    working_days: float | None

    @property
    def total(self) -> float:
        return sum(WEIGHTS[name] * getattr(self, name) for name in WEIGHTS)


def score_reply(*, demand: str, reply: str, received_at: dt.datetime | None = None,
                replied_at: dt.datetime | None = None, calendar: WorkingCalendar | None = None) -> Quality:
    days = (working_days(calendar, received_at, replied_at)
            if calendar is not None and received_at is not None and replied_at is not None else None)
    # Similarity saturates: a reply that quotes the demand's key words is relevant, it need not repeat it all.
    relevance = min(1.0, cosine(bigrams(demand), bigrams(reply)) / 0.4)
    return Quality(round(relevance, 4), round(completeness(demand, reply), 4), round(explanation(reply), 4),
                   round(timeliness(days), 4), None if days is None else round(days, 2))
