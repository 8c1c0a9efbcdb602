"""Prospective space-time scan over k-nearest-neighbour cylinders (expectation-based, quasi-Poisson).

For every category, every cell as centre, its k = 1..K nearest cells of that category, and every window
of w = 1..W days ending today: C = observed, B = expected (from the NB baseline), and
F = (C log(C/B) - (C - B)) / phi_zone when C > B (Neill's EBP score, divided by the zone's
overdispersion). The maximum per category-day is referred to its null distribution, simulated from the
baseline itself (cheap Monte Carlo) and smoothed by a Gumbel fit, so small p-values are available
without thousands of replicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .baseline import Baseline
from .glm import nb_sample

EULER = 0.5772156649


@dataclass
class Layout:
    category: np.ndarray  # (S,) category code per series
    xy: np.ndarray  # (S, 2)
    names: list[str]  # category names by code


@dataclass
class ScanResult:
    score: np.ndarray  # (n_cat, E) max score per category-day
    pvalue: np.ndarray  # (n_cat, E)
    centre: np.ndarray  # (n_cat, E) series index of the best zone's centre
    size: np.ndarray  # (n_cat, E) number of cells in the best zone
    window: np.ndarray  # (n_cat, E) days in the best zone's window
    neighbours: np.ndarray  # (S, K) series indices by distance (S = padding)

    def members(self, cat: int, day: int) -> np.ndarray:
        return self.neighbours[self.centre[cat, day], : self.size[cat, day]]


def knn_neighbours(layout: Layout, max_k: int) -> tuple[np.ndarray, np.ndarray]:
    """(S, K) nearest same-category series of each series (itself first; S pads), and (n_cat, G) members."""
    S = len(layout.category)
    n_cat = len(layout.names)
    groups = [np.flatnonzero(layout.category == c) for c in range(n_cat)]
    K = max(1, min(max_k, max(len(g) for g in groups)))
    G = max(len(g) for g in groups)
    nbr = np.full((S, K), S, dtype=np.int64)
    members = np.full((n_cat, G), S, dtype=np.int64)
    for c, idx in enumerate(groups):  # one vectorised distance matrix per category
        members[c, : len(idx)] = idx
        d = ((layout.xy[idx, None, :] - layout.xy[None, idx, :]) ** 2).sum(-1)
        d += np.arange(len(idx))[None, :] * 1e-9  # deterministic tie-break
        order = np.argsort(d, axis=1, kind="stable")[:, :K]
        nbr[idx, : order.shape[1]] = idx[order]
    return nbr, members


def _window_sums(a: np.ndarray, w: int) -> np.ndarray:
    """Sum over the w steps ending at each t (last axis), clipped at the start."""
    cs = np.cumsum(a, axis=-1)
    out = cs.copy()
    out[..., w:] -= cs[..., :-w]
    return out


def _zone_scores(
    y: np.ndarray, mu: np.ndarray, phi: np.ndarray, nbr: np.ndarray, *, max_window: int, report_from: int, locate: bool
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Best zone score per centre series and reported day: y (..., S, D); mu, phi (S, D).

    With `locate`, also the zone size k and window w that reached it (not needed for null replicates).
    """
    lead = y.shape[:-2]
    S = y.shape[-2]
    valid = (nbr != S)[..., None]  # padded slots repeat the previous zone; never count them
    best = np.zeros((*lead, S, y.shape[-1] - report_from), dtype=y.dtype)
    best_k = np.zeros(best.shape, dtype=np.int64) if locate else None
    best_w = np.ones(best.shape, dtype=np.int64) if locate else None
    phib = phi * mu
    for w in range(1, max_window + 1):
        Cw = _window_sums(y, w)[..., report_from:]
        Cw = np.concatenate([Cw, np.zeros((*lead, 1, Cw.shape[-1]), Cw.dtype)], axis=-2)
        C = np.cumsum(Cw[..., nbr, :], axis=-2)  # (..., S, K, Dr): zone totals for k = 1..K
        Bw = np.vstack([_window_sums(mu, w)[:, report_from:], np.zeros((1, C.shape[-1]))])
        Pw = np.vstack([_window_sums(phib, w)[:, report_from:], np.zeros((1, C.shape[-1]))])
        B = np.maximum(np.cumsum(Bw[nbr, :], axis=-2), 1e-9).astype(y.dtype)
        phz = np.maximum(np.cumsum(Pw[nbr, :], axis=-2) / B, 1.0).astype(y.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            F = np.where((C > B) & valid, (C * np.log(C / B) - (C - B)) / phz, 0.0).astype(y.dtype)
        if locate:
            assert best_k is not None
            assert best_w is not None
            kbest = F.argmax(axis=-2)
            fbest = np.take_along_axis(F, kbest[..., None, :], axis=-2)[..., 0, :]
            better = fbest > best
            best_k[better] = kbest[better] + 1
            best_w[better] = w
        else:
            fbest = F.max(axis=-2)
        best = np.maximum(best, fbest)
    return best, best_k, best_w


def _category_max(best: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reduce (..., S, D) centre scores to (..., n_cat, D) maxima and the centre that reached them."""
    lead = best.shape[:-2]
    pad = [(0, 0)] * len(lead) + [(0, 1), (0, 0)]
    bp = np.pad(best, pad, constant_values=-1.0)[..., members, :]  # (..., n_cat, G, D)
    arg = bp.argmax(axis=-2)[..., None, :]
    centre = np.take_along_axis(np.broadcast_to(members[..., None], bp.shape), arg, axis=-2)[..., 0, :]
    score = np.take_along_axis(bp, arg, axis=-2)[..., 0, :]
    return np.maximum(score, 0.0), centre


def space_time_scan(
    y: np.ndarray,
    base: Baseline,
    layout: Layout,
    *,
    max_k: int = 9,
    max_window: int = 3,
    n_sim: int = 99,
    report_from: int = 0,
    seed: int = 0,
) -> ScanResult:
    """Scan days report_from..D-1 of y (S, D); earlier days only feed the windows."""
    nbr, members = knn_neighbours(layout, max_k)
    mu, phi = base.expected, base.phi
    best, best_k, best_w = _zone_scores(
        y, mu, phi, nbr, max_window=max_window, report_from=report_from, locate=True
    )
    assert best_k is not None
    assert best_w is not None
    score, centre = _category_max(best, members)
    cidx = np.minimum(centre, len(layout.category) - 1)
    size = np.take_along_axis(best_k, cidx, axis=-2)
    window = np.take_along_axis(best_w, cidx, axis=-2)
    # Null distribution of the category-day maximum from in-control draws of the same baseline
    # (float32: the replicates dominate the cost, and their scores need no more precision).
    rng = np.random.default_rng(seed)
    start = max(0, report_from - max_window + 1)
    mu_s, phi_s = mu[:, start:], phi[:, start:]
    sims_max = np.empty((n_sim, *score.shape))
    per_rep = y.shape[0] * nbr.shape[1] * (y.shape[1] - report_from)
    chunk = max(1, int(2e7 // max(1, per_rep)))
    for i in range(0, n_sim, chunk):
        n = min(chunk, n_sim - i)
        sim = nb_sample(rng, mu_s, phi_s, (n, *mu_s.shape)).astype(np.float32)
        s_best = _zone_scores(
            sim, mu_s, phi_s, nbr, max_window=max_window, report_from=report_from - start, locate=False
        )[0]
        sims_max[i : i + n] = _category_max(s_best, members)[0]
    m = sims_max.mean(axis=0)
    sd = np.maximum(sims_max.std(axis=0), 1e-6)
    beta = sd * np.sqrt(6.0) / np.pi
    loc = m - EULER * beta
    p_gumbel = -np.expm1(-np.exp(-(score - loc) / beta))
    p_emp = (1.0 + (sims_max >= score[None]).sum(axis=0)) / (n_sim + 1.0)
    # Gumbel for the tail, the empirical rank where the fit is crude (scores inside the null bulk)
    pvalue = np.where(p_emp > 0.1, p_emp, p_gumbel)
    pvalue = np.where(score <= 0, 1.0, pvalue)
    return ScanResult(score=score, pvalue=pvalue, centre=centre, size=size, window=window, neighbours=nbr)
