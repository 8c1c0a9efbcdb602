"""Dispatch suggestion (派单建议): which unit should handle a new ticket, with a calibrated confidence.

The responsibility catalogue speaks first; then the platform's own history: which units finally handled closed
tickets of the same category in the same area (backing off to the parent category and the wider area when the
specific cell has little history), and which units handled the most similar texts (a per-process character
TF-IDF index of recent closed tickets → their final unit). Returns (退单) count against a unit for that
category × area. A logistic model (Platt scaling) over these signals, fitted on the most recent slice of the
history with the older part as evidence, turns them into the probability that a unit is the right one; the
automatic-dispatch threshold is the lowest top-1 probability at which that held-out slice reached
`TARGET_PRECISION`.
"""

import datetime as dt
import logging
import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from cityloop.intelligence.classification.text import normalise
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Ticket, TicketEvent

TARGET_PRECISION = 0.95
HISTORY_LIMIT = 20_000  # closed tickets the index keeps (the most recent)
CALIBRATION_SHARE = 0.2  # the newest part of the history the confidence is fitted on
CALIBRATION_LIMIT = 2_000
NEIGHBOURS = 15
MIN_EVIDENCE = 3  # tickets a category × area cell needs before it speaks
TEXT_CHARS = 160
log = logging.getLogger(__name__)
FEATURES = ("catalogue", "cell", "category", "text", "returns", "rank_text")


@dataclass(frozen=True)
class Example:
    """One closed ticket as the history knows it."""

    category: tuple[str, ...]  # the category's tree path as components, top first
    area: tuple[str, ...]  # the area's tree path as components, city first
    text: str
    unit_id: int


@dataclass(frozen=True)
class Query:
    category: tuple[str, ...]
    area: tuple[str, ...]
    text: str
    catalogue_unit_id: int | None = None


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    confidence: float


@dataclass(frozen=True)
class Advice:
    units: list[UnitScore]  # best first, at most three
    automatic: bool  # the best unit is sure enough to dispatch without a dispatcher
    threshold: float


def components(path: str) -> tuple[str, ...]:
    return tuple(part for part in (path or "").split("/") if part)


def _text(title: str, description: str) -> str:
    return normalise(f"{title} {description[:TEXT_CHARS]}")


@dataclass
class _Evidence:
    """Counts from a set of closed tickets and returns, and the text index over them."""

    cells: dict[tuple[tuple[str, ...], tuple[str, ...]], Counter[int]] = field(default_factory=dict)
    returns: dict[tuple[tuple[str, ...], tuple[str, ...]], Counter[int]] = field(default_factory=dict)
    vectorizer: TfidfVectorizer | None = None
    matrix: sparse.csr_matrix | None = None
    units: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    transposed: sparse.csr_matrix | None = None  # the index transposed once, not at every query

    @classmethod
    def build(cls, examples: Sequence[Example], returns: Sequence[tuple[tuple[str, ...], tuple[str, ...], int]]
              ) -> "_Evidence":
        evidence = cls(defaultdict(Counter), defaultdict(Counter))
        for example in examples:
            for key in _keys(example.category, example.area):
                evidence.cells[key][example.unit_id] += 1
        for category, area, unit_id in returns:
            for key in _keys(category, area):
                evidence.returns[key][unit_id] += 1
        evidence.cells, evidence.returns = dict(evidence.cells), dict(evidence.returns)
        if examples:
            evidence.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True,
                                                  min_df=2, dtype=np.float32)
            try:
                evidence.matrix = evidence.vectorizer.fit_transform([e.text for e in examples]).tocsr()
                evidence.transposed = evidence.matrix.T.tocsr()
            except ValueError:  # no term in two texts: too little history for the text signal
                evidence.vectorizer = None
            evidence.units = np.array([e.unit_id for e in examples], dtype=np.int64)
        return evidence

    def text_votes(self, texts: Sequence[str]) -> list[dict[int, float]]:
        if self.vectorizer is None or self.transposed is None or not texts:
            return [{} for _ in texts]
        votes = []
        queries = self.vectorizer.transform(texts)
        for start in range(0, len(texts), 256):
            block = (queries[start:start + 256] @ self.transposed).toarray()
            for row in block:
                k = min(NEIGHBOURS, row.size)
                best = np.argpartition(-row, k - 1)[:k]
                vote: dict[int, float] = {}
                for i in best:
                    if row[i] > 0:
                        unit = int(self.units[i])
                        vote[unit] = vote.get(unit, 0.0) + float(row[i])
                votes.append(vote)
        return votes

    def features(self, query: Query, vote: dict[int, float]) -> dict[int, list[float]]:
        """Per candidate unit, the signals in FEATURES order."""
        cell, category_share = Counter[int](), Counter[int]()
        returned: Counter[int] = Counter()
        for key in _keys(query.category, query.area):  # most specific first
            counts = self.cells.get(key)
            if counts and sum(counts.values()) >= MIN_EVIDENCE and not cell:
                cell = counts
                returned = self.returns.get(key, Counter())
        whole = self.cells.get((query.category, ()), Counter())
        if sum(whole.values()) >= MIN_EVIDENCE:
            category_share = whole
        candidates = set(cell) | set(category_share) | set(vote)
        if query.catalogue_unit_id is not None:
            candidates.add(query.catalogue_unit_id)
        total_cell = sum(cell.values()) or 1
        total_category = sum(category_share.values()) or 1
        total_vote = sum(vote.values()) or 1
        ranked_text = {unit: rank for rank, unit in enumerate(sorted(vote, key=lambda u: -vote[u]))}
        rows = {}
        for unit in candidates:
            handled = cell.get(unit, 0)
            rows[unit] = [
                1.0 if unit == query.catalogue_unit_id else 0.0,
                handled / total_cell,
                category_share.get(unit, 0) / total_category,
                vote.get(unit, 0) / total_vote,
                returned.get(unit, 0) / (handled + returned.get(unit, 0) + 1),
                1.0 if ranked_text.get(unit) == 0 else 0.0,
            ]
        return rows


def _keys(category: tuple[str, ...], area: tuple[str, ...]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The category × area cells a ticket counts in, most specific first: full category by area depth, then the
    parent category by area depth."""
    keys = []
    for c in range(len(category), max(len(category) - 2, 0), -1):
        for a in range(len(area), -1, -1):
            keys.append((category[:c], area[:a]))
    return keys


@dataclass
class DispatchModel:
    evidence: _Evidence
    logistic: LogisticRegression | None
    threshold: float
    examples: int

    @classmethod
    def fit(cls, examples: Sequence[Example], returns: Sequence[tuple[tuple[str, ...], tuple[str, ...], int]] = (),
            catalogue: dict[int, int | None] | None = None) -> "DispatchModel":
        """`examples` oldest first; `catalogue` maps an example's index to the catalogue's unit for it."""
        catalogue = catalogue or {}
        split = int(len(examples) * (1 - CALIBRATION_SHARE))
        older, newer = examples[:split], examples[split:][-CALIBRATION_LIMIT:]
        logistic, threshold = None, math.inf
        if older and len(newer) >= 50:
            offset = len(examples) - len(newer)
            evidence = _Evidence.build(older, returns)
            queries = [Query(e.category, e.area, e.text, catalogue.get(offset + i)) for i, e in enumerate(newer)]
            votes = evidence.text_votes([q.text for q in queries])
            x, y, groups = [], [], []
            for i, (query, vote, example) in enumerate(zip(queries, votes, newer, strict=True)):
                for unit, row in evidence.features(query, vote).items():
                    x.append(row)
                    y.append(1 if unit == example.unit_id else 0)
                    groups.append(i)
            if len(set(y)) == 2:
                logistic = LogisticRegression(C=10.0, max_iter=1000)
                logistic.fit(np.array(x), np.array(y))
                probabilities = logistic.predict_proba(np.array(x))[:, 1]
                threshold = _threshold(probabilities, np.array(y), np.array(groups), len(newer))
        return cls(_Evidence.build(examples, returns), logistic, threshold, len(examples))

    def advise_many(self, queries: Sequence[Query]) -> list[Advice]:
        votes = self.evidence.text_votes([q.text for q in queries])
        return [self._advice(query, vote) for query, vote in zip(queries, votes, strict=True)]

    def advise(self, query: Query) -> Advice:
        return self.advise_many([query])[0]

    def _advice(self, query: Query, vote: dict[int, float]) -> Advice:
        rows = self.evidence.features(query, vote)
        if not rows:
            return Advice([], False, self.threshold)
        units = list(rows)
        x = np.array([rows[u] for u in units])
        if self.logistic is not None:
            scores = self.logistic.predict_proba(x)[:, 1]
        else:  # no history to calibrate on: the catalogue, else the plain shares, with a modest confidence
            scores = 0.5 * x[:, 0] + 0.3 * x[:, 1] + 0.2 * x[:, 3]
        order = np.argsort(-scores, kind="stable")[:3]
        best = [UnitScore(int(units[i]), round(float(scores[i]), 3)) for i in order]
        return Advice(best, bool(best) and best[0].confidence >= self.threshold, self.threshold)


def _threshold(probabilities: np.ndarray, correct: np.ndarray, groups: np.ndarray, n: int) -> float:
    """The lowest top-1 probability at which the tickets above it reach TARGET_PRECISION (inf when none do)."""
    best: dict[int, tuple[float, int]] = {}
    for p, c, g in zip(probabilities, correct, groups, strict=True):
        if g not in best or p > best[g][0]:
            best[g] = (float(p), int(c))
    tops = sorted(best.values(), key=lambda t: -t[0])
    threshold, hits = math.inf, 0
    for i, (p, c) in enumerate(tops, start=1):
        hits += c
        if i >= 20 and hits / i >= TARGET_PRECISION:
            threshold = p
    return threshold


# ------------------------------------------------------------------------------------------- the platform's copy
def history_examples(limit: int = HISTORY_LIMIT, before: dt.datetime | None = None) -> list[Example]:
    """The most recent closed tickets with a category and a final unit, oldest first."""
    tickets = Ticket.objects.filter(status=Status.CLOSED, unit__isnull=False, category__isnull=False)
    if before is not None:
        tickets = tickets.filter(closed_at__lt=before)
    rows = (tickets.order_by("-closed_at", "-pk")
            .values_list("category__path", "area_path", "title", "description", "unit_id")[:limit])
    return [Example(components(c), components(a), _text(t, d), u) for c, a, t, d, u in reversed(list(rows))]


def history_returns(before: dt.datetime | None = None) -> list[tuple[tuple[str, ...], tuple[str, ...], int]]:
    events = TicketEvent.objects.filter(action="return", actor_unit_id__isnull=False,
                                        ticket__category__isnull=False)
    if before is not None:
        events = events.filter(at__lt=before)
    rows = events.values_list("ticket__category__path", "ticket__area_path", "actor_unit_id")
    return [(components(c), components(a), int(u)) for c, a, u in rows.iterator()]


def _build() -> DispatchModel:
    return DispatchModel.fit(history_examples(), history_returns())


def _signature() -> tuple[int, int]:
    closed = Ticket.objects.filter(status=Status.CLOSED).count()
    returns = TicketEvent.objects.filter(action="return").count()
    # Rebuild after every 5 % more history (a fit takes seconds), and at once after the first returns.
    return int(math.log(closed + 1, 1.05)), int(math.log(returns + 1, 1.05))


# Up to this much history the model is built in the request that needs it (well under a second); above it a
# thread builds it while requests use the previous model (at first: the catalogue alone).
SYNC_BUILD_LIMIT = 1_000


class _Holder:
    """The per-process model, rebuilt when the history has grown; large builds never block a request."""

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self.model: DispatchModel | None = None
        self.stamp: tuple[int, int] | None = None
        self.checked = -math.inf
        self.building = False
        self.lock = threading.Lock()

    def get(self) -> DispatchModel:
        now = time.monotonic()
        if self.model is not None and now - self.checked < self.ttl:
            return self.model
        with self.lock:
            self.checked = now
            stamp = _signature()
            if self.model is not None and stamp == self.stamp:
                return self.model
            if 1.05 ** stamp[0] <= SYNC_BUILD_LIMIT or not ASYNC_BUILD:
                self.model, self.stamp = _build(), stamp
            else:
                if self.model is None:
                    self.model = DispatchModel.fit([])
                if not self.building:
                    self.building = True
                    threading.Thread(target=self._build_in_background, args=(stamp,), daemon=True).start()
            return self.model

    def _build_in_background(self, stamp: tuple[int, int]) -> None:
        from django.db import connection

        try:
            model = _build()
            with self.lock:
                self.model, self.stamp = model, stamp
        except Exception:
            log.exception("building the dispatch model failed")
        finally:
            self.building = False
            connection.close()

    def reset(self) -> None:
        with self.lock:
            self.model, self.stamp, self.checked = None, None, -math.inf


ASYNC_BUILD = True
_model = _Holder()


def reset_dispatch_model() -> None:
    _model.reset()


def dispatch_advice(ticket: Ticket) -> Advice:
    """The top three units for the ticket (catalogue and history) and whether to dispatch it automatically."""
    from cityloop.dispatch.selectors import catalogue_suggestion

    suggestion = catalogue_suggestion(ticket)
    category = components(ticket.category.path) if ticket.category_id and ticket.category else ()
    query = Query(category, components(ticket.area_path), _text(ticket.title, ticket.description),
                  suggestion.unit.pk if suggestion else None)
    return _model.get().advise(query)


def unit_labels(advice: Advice) -> list[dict[str, Any]]:
    """The advice as the console's `units` list."""
    from cityloop.organisation.models import Unit

    names = dict(Unit.objects.filter(pk__in=[u.unit_id for u in advice.units]).values_list("pk", "name"))
    return [{"id": u.unit_id, "label": names.get(u.unit_id, ""), "score": u.confidence}
            for u in advice.units if u.unit_id in names]
