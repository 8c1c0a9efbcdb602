"""Time the opinion-group computation for 10,000 participants × 1,000 statements.

Run: .venv/bin/python benchmarks/deliberation/bench_consensus.py [participants] [statements] [votes per participant]
Target: under 10 s on 2 cores. Baselines measured in the same run: the time to build the sparse vote matrix, and
numpy's full SVD of the same matrix made dense and centred (what a naive PCA would cost).
"""

import sys
import time

import numpy as np

from cityloop.deliberation.consensus import analyse, vote_matrix


def electorate(n: int, m: int, per: int, groups: int = 3, seed: int = 7) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    stances = rng.choice([-1, 1], size=(groups, m))
    stances[:, :5] = 1  # five statements every group agrees with
    who = rng.integers(0, groups, size=n)
    rows = np.repeat(np.arange(n), per)
    cols = np.concatenate([rng.choice(m, size=per, replace=False) for _ in range(n)])
    noise = rng.random(n * per)
    values = stances[who[rows], cols]
    values = np.where(noise < 0.1, 0, np.where(noise < 0.2, -values, values))
    return rows, cols, values, who


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    rows, cols, values, who = electorate(n, m, per)
    print(f"participants={n} statements={m} votes={len(values)}")
    start = time.perf_counter()
    matrix = vote_matrix(rows, cols, values, (n, m))
    build = time.perf_counter() - start
    print(f"baseline: build sparse matrix        {build:8.3f} s")
    start = time.perf_counter()
    result = analyse(matrix)
    took = time.perf_counter() - start
    print(f"analyse (PCA + k-means + repness)   {took:8.3f} s  k={result.k} silhouette={result.silhouette:.3f} "
          f"in-conversation={len(result.participants)} consensus={sorted(result.consensus)[:10]}")
    start = time.perf_counter()
    dense = matrix.toarray()
    dense -= dense.mean(axis=0)
    np.linalg.svd(dense, full_matrices=False)
    print(f"baseline: numpy dense SVD            {time.perf_counter() - start:8.3f} s")
    grouped = max(len(result.participants), 1)
    purity = sum(max(np.bincount(who[g.members], minlength=3)) for g in result.groups) / grouped
    print(f"group purity against the planted groups: {purity:.3f}")
    print("planted consensus statements 0-4 recovered:", set(range(5)) <= set(result.consensus))
    print("target < 10 s:", "met" if took < 10 else "NOT met")


if __name__ == "__main__":
    main()
