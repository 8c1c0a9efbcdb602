"""Intake classification benchmark on tipdm2020c (7 first-level categories), platform model vs baseline.

Split (fixed, stated): fj2_titles_labels.csv (the 7,368 labelled titles left after the holdout was removed);
identical titles (after whitespace normalisation) are kept together; per label (a title's majority label), the
sorted distinct titles are shuffled with random.Random(20200) and 20 % go to test, 80 % to train
(5,892 / 1,476 rows). Everything below is trained on the train part only:
  baseline  TF-IDF char 1–3-gram + LinearSVC (sklearn defaults, random_state=0) on the train titles;
  platform  cityloop TextClassifier: a linear SVM over TF-IDF char 1–3-grams + jieba words, mixed with an
            NB-SVM over the same terms (share cross-validated inside train), trained on
            the train titles (labelled);
            the details of fj2_full_subset rows whose title is in the train part (labelled, auxiliary; in the
            cross-validation a detail is held out together with its title);
            the taxonomy fj1_label_taxonomy.csv: per row whose 一级分类 is one of the 7 labels, the text
            "二级分类 三级分类" labelled with the 一级分类 (250 texts);
            titles+details of fj3, fj4 and official_test_unlabeled (unlabelled) for co-training: the SVM labels
            each message from title + the first 300 characters of detail; per class the most confident ones, up to
            as many as the class has labelled titles, are added as a title text and a detail text (weight 0.5).
            Not used: fj4 replies (答复意见), fj2_full_subset rows of test titles, any test label.
Test inputs are titles only for both models (many tickets arrive with a title only; titles exist for all rows).
Hyper-parameters were chosen by 5-fold cross-validation inside the train part, never on the test part.
Timing: one ticket per call, BLAS/OpenMP pools limited to one thread; "ms/ticket" is CPU time (the one-core
cost, stable on a busy machine), "(wall)" is elapsed time; "train s" is CPU seconds.

Run: .venv/bin/python benchmarks/classification/bench_classification.py  (about 2–3 minutes on an idle machine)
"""

import collections
import csv
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from cityloop.core.paths import shared_data_dir
from cityloop.intelligence.classification import TextClassifier
from cityloop.intelligence.classification.text import normalise

SEED = 20200
TEST_FRACTION = 0.2
TIMED_TICKETS = 300


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def fixed_split(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Grouped (identical titles together), stratified 80/20 split with random.Random(SEED)."""
    votes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for row in rows:
        votes[normalise(row["留言主题"])][row["一级标签"]] += 1
    by_label: dict[str, list[str]] = collections.defaultdict(list)
    for title, counter in votes.items():
        by_label[counter.most_common(1)[0][0]].append(title)
    rng = random.Random(SEED)
    test_titles: set[str] = set()
    for label in sorted(by_label):
        titles = sorted(by_label[label])
        rng.shuffle(titles)
        test_titles.update(titles[: round(len(titles) * TEST_FRACTION)])
    train = [row for row in rows if normalise(row["留言主题"]) not in test_titles]
    test = [row for row in rows if normalise(row["留言主题"]) in test_titles]
    return train, test


def per_ticket_ms(predict_one: Callable[[str], object], titles: list[str]) -> tuple[float, float]:
    """(CPU ms, wall ms) per ticket, one ticket per call. CPU time is the one-core cost even on a busy machine."""
    predict_one(titles[0])  # warm-up: lazy jieba dictionary load is not per-ticket cost
    cpu, wall = time.process_time(), time.perf_counter()
    for title in titles:
        predict_one(title)
    return (time.process_time() - cpu) * 1000 / len(titles), (time.perf_counter() - wall) * 1000 / len(titles)


def load_data(folder: Path) -> dict[str, list]:
    rows = read_csv(folder / "fj2_titles_labels.csv")
    train, test = fixed_split(rows)
    train_set = {normalise(row["留言主题"]) for row in train}
    aux_texts: list[str] = []
    aux_labels: list[str] = []
    aux_titles: list[str] = []
    for row in read_csv(folder / "fj2_full_subset.csv"):
        # Only details of training titles: a detail of a test title would leak its label.
        if normalise(row["留言主题"]) in train_set and normalise(row["留言详情"]):
            aux_texts.append(row["留言详情"])
            aux_labels.append(row["一级标签"])
            aux_titles.append(row["留言主题"])
    unlabelled: list[tuple[str, str]] = []
    for name in ("fj3_messages_with_votes.csv", "fj4_messages_with_replies.csv", "official_test_unlabeled.csv"):
        unlabelled.extend((row["留言主题"], row["留言详情"]) for row in read_csv(folder / name))
    return {
        "train_titles": [row["留言主题"] for row in train],
        "train_labels": [row["一级标签"] for row in train],
        "test_titles": [row["留言主题"] for row in test],
        "test_labels": [row["一级标签"] for row in test],
        "aux_texts": aux_texts,
        "aux_labels": aux_labels,
        "aux_titles": aux_titles,
        "unlabelled": unlabelled,
        "taxonomy": [
            (row["一级分类"], row["二级分类"], row["三级分类"]) for row in read_csv(folder / "fj1_label_taxonomy.csv")
        ],
    }


def score(test_labels: list[str], predicted: list[str], labels: list[str]) -> dict[str, Any]:
    return {
        "accuracy": accuracy_score(test_labels, predicted),
        "macro_f1": f1_score(test_labels, predicted, average="macro"),
        "per_class": f1_score(test_labels, predicted, labels=labels, average=None),
    }


def print_tables(results: dict[str, dict[str, Any]], test_labels: list[str], labels: list[str]) -> None:
    print()
    print(f"{'model':38s} {'accuracy':>8s} {'macro-F1':>8s} {'ms/ticket':>9s} {'(wall)':>7s} {'train s':>7s}")
    for name, r in results.items():
        print(
            f"{name:38s} {r['accuracy']:8.4f} {r['macro_f1']:8.4f} {r['ms'][0]:9.3f} {r['ms'][1]:7.3f} "
            f"{r['train_s']:7.1f}"
        )
    base, plat = results.values()
    print(
        f"{'difference (platform - baseline)':38s} {plat['accuracy'] - base['accuracy']:+8.4f} "
        f"{plat['macro_f1'] - base['macro_f1']:+8.4f}"
    )
    print()
    print(f"{'per-class F1':16s} {'n':>5s} {'baseline':>8s} {'platform':>8s} {'diff':>7s}")
    counts = collections.Counter(test_labels)
    for i, label in enumerate(labels):
        b, p = base["per_class"][i], plat["per_class"][i]
        # Chinese characters are two columns wide in a terminal: pad by display width.
        print(f"{label}{' ' * (16 - 2 * len(label))} {counts[label]:5d} {b:8.4f} {p:8.4f} {p - b:+7.4f}")


def main() -> int:
    folder = shared_data_dir() / "tipdm2020c"
    if not (folder / "fj2_titles_labels.csv").is_file():
        print(f"tipdm2020c data not found in {folder}; set CITYLOOP_SHARED_DATA or fetch ../shared/data.")
        return 1
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times inflate when busy)")
    data = load_data(folder)
    train_titles, train_labels = data["train_titles"], data["train_labels"]
    test_titles, test_labels = data["test_titles"], data["test_labels"]
    print(
        f"split: fj2_titles_labels.csv, identical titles grouped, stratified {1 - TEST_FRACTION:.0%}/"
        f"{TEST_FRACTION:.0%} with random.Random({SEED}): train {len(train_titles)} rows, test "
        f"{len(test_titles)} rows (titles only at test time)"
    )
    print(
        f"platform extra data: {len(data['aux_texts'])} labelled details of train titles (fj2_full_subset), "
        f"{len(data['unlabelled'])} unlabelled messages (fj3+fj4+official_test), {len(data['taxonomy'])} "
        f"taxonomy rows (fj1)"
    )

    started = time.process_time()
    baseline_vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    baseline = LinearSVC(random_state=0).fit(baseline_vectorizer.fit_transform(train_titles), train_labels)
    baseline_train_s = time.process_time() - started

    started = time.process_time()
    model = TextClassifier(label_field="category")
    report = model.fit(
        train_titles,
        train_labels,
        aux_texts=data["aux_texts"],
        aux_labels=data["aux_labels"],
        aux_titles=data["aux_titles"],
        unlabelled_pairs=data["unlabelled"],
        taxonomy=data["taxonomy"],
    )
    platform_train_s = time.process_time() - started

    predictions = model.predict(test_titles)
    platform_pred = [p.label for p in predictions]
    baseline_pred = [str(label) for label in baseline.predict(baseline_vectorizer.transform(test_titles))]
    timed = test_titles[:TIMED_TICKETS]
    with threadpool_limits(limits=1):
        baseline_ms = per_ticket_ms(lambda t: baseline.predict(baseline_vectorizer.transform([t])), timed)
        platform_ms = per_ticket_ms(model.predict_one, timed)

    labels = sorted(set(test_labels))
    results = {
        "baseline char1-3 TF-IDF + LinearSVC": {
            **score(test_labels, baseline_pred, labels),
            "train_s": baseline_train_s,
            "ms": baseline_ms,
        },
        "platform TextClassifier": {
            **score(test_labels, platform_pred, labels),
            "train_s": platform_train_s,
            "ms": platform_ms,
        },
    }
    print_tables(results, test_labels, labels)
    confidence = np.array([p.confidence for p in predictions])
    correct = np.array([p == t for p, t in zip(platform_pred, test_labels, strict=True)])
    print()
    print(
        f"platform calibration on test: mean confidence {confidence.mean():.4f} vs accuracy "
        f"{correct.mean():.4f}; ECE {model.evaluate(test_titles, test_labels)['ece']:.4f} "
        f"(temperature {model.temperature:.3f}, NB-SVM share {model.nb_share:.1f})"
    )
    print(
        f"platform training: {report.n_unique_texts} distinct titles ({report.n_conflicting_duplicates} with "
        f"conflicting labels, majority kept), {report.n_aux} auxiliary texts, {report.n_taxonomy} taxonomy "
        f"texts, {report.n_self_training} pseudo-labelled messages; cross-validated macro-F1 on train "
        f"{report.cv_macro_f1:.4f} (a detail is held out with its title)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
