"""Emerging topics (苗头性) in the tickets' text: a new matter nobody raised before, growing over several days.

Counts cannot see a problem that has no category of its own yet (it lands in "other" or in whatever category
is nearest); its words can. The tickets are vectorised as the intake classifier sees them (title plus the start
of the description, jieba words and character bigrams, TF-IDF; `cityloop.intelligence.classification.text`).

1. Novelty. A ticket of the recent `window` days is novel when no ticket of the reference period (the `history`
   days before the window) is at least `s*` similar (cosine) to it.
2. `s*` comes from a budget, not a constant: the tickets of the `window` days just before the recent ones are
   compared with the history before them, and `s*` is the similarity that only a share `budget` of these
   ordinary tickets fail to reach. So about `budget` of ordinary tickets count as novel, whatever the
   vocabulary of the city.
3. Topics. Two novel recent tickets are linked when they are `s*` similar to each other, the same bar: each
   would have made the other ordinary. Linked tickets form a candidate topic (connected components).
4. A candidate is an emerging topic when it has tickets on at least `min_days` days and more tickets than any
   chance topic the same procedure finds on the calibration days (at least `min_size`); its significance is
   -log10 of the share of calibration topics at least as large (with one added, as in a permutation test).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from cityloop.intelligence.classification.text import compose, word_analyzer

WINDOW = 14
HISTORY = 90
BUDGET = 0.05
MIN_DAYS = 2
MIN_SIZE = 3
MAX_REFERENCE = 20_000  # a sample of the reference keeps a megacity's day affordable; s* is set on the same


@dataclass(frozen=True)
class Doc:
    id: int
    day: dt.date
    title: str
    description: str
    category_id: int | None
    area_path: str


@dataclass
class Topic:
    tickets: list[int]  # oldest first
    days: list[dt.date]  # the distinct days with tickets, in order
    terms: list[str]  # the words that make the topic, most telling first
    category_id: int | None  # the category most of its tickets have, if more than half have one
    area_path: str  # the smallest area holding all its located tickets ("" if none is located)
    significance: float
    daily: list[dict[str, object]]


@dataclass
class _Space:
    X: sparse.csr_matrix
    words: TfidfVectorizer


def _space(texts: Sequence[str]) -> _Space:
    """Rows: L2-normalised TF-IDF of words and of character bigrams side by side, so that the cosine of two
    rows is the mean of their word and bigram cosines (paraphrases share characters more than words)."""
    words = TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True)
    X = sparse.hstack([words.fit_transform(texts), chars.fit_transform(texts)], format="csr") / np.sqrt(2.0)
    return _Space(sparse.csr_matrix(X), words)


def _max_similarity(A: sparse.csr_matrix, B: sparse.csr_matrix, chunk: int = 2000) -> np.ndarray:
    """Per row of A, its highest cosine to any row of B (0 when B is empty)."""
    out = np.zeros(A.shape[0])
    if B.shape[0] == 0:
        return out
    Bt = B.T.tocsr()
    for a in range(0, A.shape[0], chunk):  # chunks bound the dense-ish product of a busy day
        out[a:a + chunk] = (A[a:a + chunk] @ Bt).max(axis=1).toarray().ravel()
    return out


def _candidates(X: sparse.csr_matrix, novel: np.ndarray, bar: float) -> list[np.ndarray]:
    """Connected groups of novel rows linked by similarity >= bar (row indices into X)."""
    idx = np.flatnonzero(novel)
    if idx.size == 0:
        return []
    S = (X[idx] @ X[idx].T).tocsr()
    S.data = (S.data >= bar).astype(np.int8)
    S.eliminate_zeros()
    n, labels = connected_components(S, directed=False)
    return [idx[labels == k] for k in range(n)]


def _common_path(paths: Sequence[str]) -> str:
    parts = [p.split("/")[:-1] for p in paths if p]
    if not parts:
        return ""
    common = []
    for level in zip(*parts, strict=False):
        if len(set(level)) > 1:
            break
        common.append(level[0])
    return "/".join(common) + "/" if common else ""


def _terms(space: _Space, rows: np.ndarray, k: int = 3) -> list[str]:
    words = space.X[:, : len(space.words.vocabulary_)][rows].sum(axis=0).A1
    vocabulary = space.words.get_feature_names_out()
    order = np.argsort(-words, kind="stable")
    return [str(vocabulary[i]) for i in order if words[i] > 0 and len(vocabulary[i]) > 1][:k]


def emerging_topics(docs: Sequence[Doc], today: dt.date, *, window: int = WINDOW, history: int = HISTORY,
                    budget: float = BUDGET, min_days: int = MIN_DAYS, min_size: int = MIN_SIZE,
                    seed: int = 0) -> list[Topic]:
    """Emerging topics among the tickets of the `window` days ending `today` (see the module docstring)."""
    recent_from = today - dt.timedelta(days=window - 1)
    cal_from = recent_from - dt.timedelta(days=window)
    old_from = cal_from - dt.timedelta(days=history)
    docs = sorted((d for d in docs if old_from <= d.day <= today), key=lambda d: (d.day, d.id))
    day = np.array([(d.day - old_from).days for d in docs], dtype=np.int64)
    recent = day >= (recent_from - old_from).days
    cal = ~recent & (day >= (cal_from - old_from).days)
    old = ~recent & ~cal
    rng = np.random.default_rng(seed)
    for part in (old, cal):  # the reference, sampled when huge (the bar is set on the same sample)
        idx = np.flatnonzero(part)
        if idx.size > MAX_REFERENCE:
            part[rng.choice(idx, idx.size - MAX_REFERENCE, replace=False)] = False
    # too little history to know what is ordinary: say nothing rather than call everything new
    if old.sum() < 50 or cal.sum() < 20 or not recent.any():
        return []
    keep = old | cal | recent
    docs = [d for d, k in zip(docs, keep, strict=True) if k]
    day, recent, cal, old = day[keep], recent[keep], cal[keep], old[keep]
    space = _space([compose(d.title, d.description) for d in docs])
    X = space.X
    # the bar s*: only a share `budget` of the calibration tickets have no neighbour this similar in the history
    cal_best = _max_similarity(X[cal], X[old])
    bar = float(np.quantile(cal_best, budget))
    novel_cal = np.zeros(len(docs), bool)
    novel_cal[cal] = cal_best < bar
    chance = _candidates(X, novel_cal, bar)
    chance_sizes = np.array([len(c) for c in chance])
    floor = max(min_size, int(chance_sizes.max()) + 1 if chance_sizes.size else min_size)
    recent_idx = np.flatnonzero(recent)
    novel = np.zeros(len(docs), bool)
    novel[recent_idx] = _max_similarity(X[recent], X[old | cal]) < bar
    topics = []
    for rows in _candidates(X, novel, bar):
        days = sorted({docs[i].day for i in rows})
        if len(rows) < floor or len(days) < min_days:
            continue
        p = (1 + int((chance_sizes >= len(rows)).sum())) / (1 + chance_sizes.size)
        categories = Counter(docs[i].category_id for i in rows if docs[i].category_id is not None)
        category, n_top = categories.most_common(1)[0] if categories else (None, 0)
        per_day = Counter(docs[i].day for i in rows)
        topics.append(Topic(
            tickets=[docs[i].id for i in rows], days=days, terms=_terms(space, rows),
            category_id=category if 2 * n_top > len(rows) else None,
            area_path=_common_path([docs[i].area_path for i in rows]),
            significance=float(-np.log10(p)),
            daily=[{"day": (recent_from + dt.timedelta(days=k)).isoformat(),
                    "observed": per_day.get(recent_from + dt.timedelta(days=k), 0), "expected": None}
                   for k in range(window)]))
    topics.sort(key=lambda t: -len(t.tickets))
    return topics
