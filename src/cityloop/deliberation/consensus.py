"""Opinion groups and consensus from agree/disagree/pass votes, after Polis (compdemocracy/polis, math/src/polismath).

Pure numerics, no database. Sign convention: agree = +1, disagree = −1, pass = 0 (missing is also 0 in the
matrix, but only a cast vote, pass included, counts as "seen").

1. Participants in the conversation: those with ≥ min(7, number of statements) votes; if fewer than 15 qualify, the
   most active voters are added up to 15.
2. PCA, 2 components, on the column-centred vote matrix by randomized SVD (sparse matrix products only, the
   centred matrix is never formed), then Polis's sparsity-aware projection: a participant's coordinates are scaled
   by sqrt(n_statements / n_votes), which pushes sparse voters out from the centre.
3. k-means on the projections for k = 2..5 (k ≤ participants − 1); k chosen by the silhouette. Above 2,000
   participants the centres are fitted on a sample of 2,000 and the silhouette on 1,000 of them.
4. Per group and statement: pa = (1+agrees)/(2+seen) (Laplace); representativeness ra = pa_in / pa_out with
   one- and two-proportion z-scores (pat, rat); a statement represents the group when both z > 1.2816 (90 %),
   ranked by ra·rat·pa·pat (same for disagree).
5. Group-informed consensus GIC(s) = Π_g (A_g,s + 1)/(S_g,s + 2); "consensus statements" are those every group
   supports: pa_g > 1/2 with pat_g > 1.2816 in every group, ranked by GIC.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

Z90 = 1.2816
MIN_VOTES = 7
MIN_PARTICIPANTS = 15
SILHOUETTE_SAMPLE = 1000
FIT_SAMPLE = 2000


@dataclass
class GroupSummary:
    index: int
    members: list[int]
    representative: list[dict[str, float | int | str]]


@dataclass
class Analysis:
    participants: list[int]  # the in-conversation participants (indices into the input rows)
    coordinates: np.ndarray  # (len(participants), 2)
    labels: np.ndarray  # group of each in-conversation participant
    k: int
    silhouette: float
    groups: list[GroupSummary] = field(default_factory=list)
    gic: np.ndarray = field(default_factory=lambda: np.zeros(0))
    consensus: list[int] = field(default_factory=list)  # statement indices, best first
    agree_prob: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (k, statements)


def vote_matrix(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A CSR matrix with one entry per cast vote; a pass is stored as an explicit 0 so it counts as seen."""
    return sp.csr_matrix((values.astype(np.float64), (rows, cols)), shape=shape)


def _in_conversation(counts: np.ndarray, n_statements: int) -> np.ndarray:
    threshold = min(MIN_VOTES, max(n_statements, 1))
    chosen = np.flatnonzero(counts >= threshold)
    if len(chosen) < MIN_PARTICIPANTS:
        order = np.argsort(-counts, kind="stable")
        order = order[counts[order] > 0][:MIN_PARTICIPANTS]
        chosen = np.union1d(chosen, order)
    return chosen


def pca2(matrix: sp.csr_matrix, *, seed: int = 0, iterations: int = 4) -> np.ndarray:
    """The two leading principal axes (statements × 2) of the column-centred matrix, by randomized SVD."""
    n, m = matrix.shape
    mean = np.asarray(matrix.mean(axis=0)).ravel()
    k = min(2, m)
    width = min(m, k + 10)
    rng = np.random.default_rng(seed)
    omega = rng.standard_normal((m, width))

    def times(block: np.ndarray) -> np.ndarray:  # (X − 1 μᵀ) · block
        return matrix @ block - np.outer(np.ones(n), mean @ block)

    def times_t(block: np.ndarray) -> np.ndarray:  # (X − 1 μᵀ)ᵀ · block
        return matrix.T @ block - np.outer(mean, block.sum(axis=0))

    q, _ = np.linalg.qr(times(omega))
    for _ in range(iterations):
        q, _ = np.linalg.qr(times_t(q))
        q, _ = np.linalg.qr(times(q))
    small = times_t(q).T  # (width, m)
    _, _, vt = np.linalg.svd(small, full_matrices=False)
    axes = vt[:k].T
    if k < 2:
        axes = np.hstack([axes, np.zeros((m, 2 - k))])
    return axes


def _z_one(success: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 2 * np.sqrt(n + 1) * ((success + 1) / (n + 1) - 0.5)


def _z_two(s1: np.ndarray, n1: np.ndarray, s2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    s1, n1, s2, n2 = s1 + 1, n1 + 1, s2 + 1, n2 + 1
    p1, p2 = s1 / n1, s2 / n2
    p = (s1 + s2) / (n1 + n2)
    denominator = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denominator > 0, (p1 - p2) / denominator, 0.0)
    return np.asarray(z)


def _choose_k(points: np.ndarray, seed: int) -> tuple[int, np.ndarray, float]:
    """k-means for k = 2..5 with the silhouette's choice. Above FIT_SAMPLE points the centres are fitted on a
    random sample (as Polis reduces to base clusters first) and every point then goes to its nearest centre."""
    n = len(points)
    rng = np.random.default_rng(seed)
    fit = points if n <= FIT_SAMPLE else points[rng.choice(n, size=FIT_SAMPLE, replace=False)]
    distinct = len(np.unique(np.round(fit, 9), axis=0))
    best: tuple[int, np.ndarray, float] = (1, np.zeros(n, dtype=int), 0.0)
    best_model: KMeans | None = None
    for k in range(2, min(5, len(fit) - 1, distinct) + 1):
        model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(fit)
        labels = model.labels_
        if len(set(labels.tolist())) < 2:
            continue
        sample = SILHOUETTE_SAMPLE if len(fit) > SILHOUETTE_SAMPLE else None
        score = float(silhouette_score(fit, labels, sample_size=sample, random_state=seed))
        if score > best[2] + 1e-12 or best_model is None:
            best, best_model = (k, labels, score), model
    if best_model is not None and n > len(fit):
        best = (best[0], best_model.predict(points), best[2])
    return best


def analyse(matrix: sp.csr_matrix, *, seed: int = 0, top: int = 5) -> Analysis:
    """Opinion groups, representative statements and consensus for a participants × statements vote matrix.

    BLAS and OpenMP run single-threaded here: the products are small (n × 12, 2,000 × 2) and on a shared,
    loaded machine their thread pools only contend (measured 8.4 s with the default pools, 1.0 s with one thread,
    for 10,000 × 1,000 on 2 busy cores)."""
    with threadpool_limits(limits=1):
        return _analyse(matrix, seed=seed, top=top)


def _analyse(matrix: sp.csr_matrix, *, seed: int, top: int) -> Analysis:
    matrix = sp.csr_matrix(matrix)
    _n, m = matrix.shape
    counts = np.diff(matrix.indptr)
    chosen = _in_conversation(counts, m)
    sub = matrix[chosen]
    if len(chosen) == 0 or m == 0:
        return Analysis([], np.zeros((0, 2)), np.zeros(0, dtype=int), 0, 0.0, gic=np.zeros(m))
    axes = pca2(sub, seed=seed)
    mean = np.asarray(sub.mean(axis=0)).ravel()
    # only the statements a participant voted on move them (Polis's sparsity-aware projection)
    seen = sub.copy()
    seen.data = np.ones_like(seen.data)
    coords = sub @ axes - seen @ (mean[:, None] * axes)
    scale = np.sqrt(m / np.maximum(np.diff(sub.indptr), 1))
    coords = coords * scale[:, None]
    k, labels, silhouette = _choose_k(coords, seed) if len(chosen) >= 3 else (1, np.zeros(len(chosen), int), 0.0)

    agree = sub.copy()
    agree.data = (agree.data > 0).astype(np.float64)
    disagree = sub.copy()
    disagree.data = (disagree.data < 0).astype(np.float64)
    membership = sp.csr_matrix((np.ones(len(chosen)), (labels, np.arange(len(chosen)))), shape=(k, len(chosen)))
    na = np.asarray((membership @ agree).todense())
    nd = np.asarray((membership @ disagree).todense())
    ns = np.asarray((membership @ seen).todense())
    total_a, total_d, total_s = na.sum(axis=0), nd.sum(axis=0), ns.sum(axis=0)

    pa = (1 + na) / (2 + ns)
    gic = np.prod(pa, axis=0)
    groups: list[GroupSummary] = []
    for g in range(k):
        rest_a, rest_d, rest_s = total_a - na[g], total_d - nd[g], total_s - ns[g]
        candidates: list[dict[str, float | int | str]] = []
        for kind, own, rest in (("agree", na[g], rest_a), ("disagree", nd[g], rest_d)):
            p_in = (1 + own) / (2 + ns[g])
            p_out = (1 + rest) / (2 + rest_s)
            ratio = p_in / p_out
            z_in = _z_one(own, ns[g])
            z_rel = _z_two(own, ns[g], rest, rest_s)
            metric = ratio * z_rel * p_in * z_in
            for j in np.flatnonzero((z_in > Z90) & (z_rel > Z90)):
                candidates.append({"statement": int(j), "kind": kind, "p": float(p_in[j]), "ratio": float(ratio[j]),
                                   "metric": float(metric[j])})
        candidates.sort(key=lambda c: -float(c["metric"]))
        members = [int(chosen[i]) for i in np.flatnonzero(labels == g)]
        groups.append(GroupSummary(g, members, candidates[:top]))

    supported = np.all((pa > 0.5) & (_z_one(na, ns) > Z90), axis=0)
    consensus = [int(j) for j in sorted(np.flatnonzero(supported), key=lambda j: -gic[j])]
    return Analysis([int(i) for i in chosen], coords, labels, k, silhouette, groups, gic, consensus, pa)
