"""Opinion grouping (`cityloop.participation.grouping`) on a labelled set: 20 topics × 10 paraphrases + noise.

Prints purity (share of opinions in a cluster whose majority topic is theirs) and pairwise recall (share of the
pairs that belong together that land together) at the default threshold and a few others, and the time taken.
Run: `.venv/bin/python benchmarks/participation/bench_grouping.py`.
"""

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "src"))

from opinions import NOISE, TOPICS  # noqa: E402

from cityloop.participation.grouping import DEFAULT_THRESHOLD, group_texts, purity_and_recall  # noqa: E402


def main() -> None:
    texts = [text for paraphrases in TOPICS.values() for text in paraphrases] + NOISE
    truth = [topic for topic, paraphrases in TOPICS.items() for _ in paraphrases] + [""] * len(NOISE)
    print(f"opinions: {len(texts)} ({len(TOPICS)} topics, {len(texts) - len(NOISE)} paraphrases, "
          f"{len(NOISE)} noise)")
    for threshold in sorted({0.7, 0.75, 0.8, 0.85, 0.9, DEFAULT_THRESHOLD}):
        start = time.perf_counter()
        labels = group_texts(texts, threshold=threshold)
        took = time.perf_counter() - start
        purity, recall = purity_and_recall(labels, truth)
        clusters = len(set(labels))
        mark = "  <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(f"threshold {threshold:.2f}: purity {purity:.3f}  recall {recall:.3f}  clusters {clusters:3d}  "
              f"{took * 1000:.0f} ms{mark}")


if __name__ == "__main__":
    main()
