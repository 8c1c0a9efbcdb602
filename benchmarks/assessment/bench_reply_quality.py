"""Reply quality (答复质量) on the TipDM 2020 C fj4 replies against the teams' annotations.

    .venv/bin/python benchmarks/assessment/bench_reply_quality.py [--data DIR]

Prints the distribution of each score, agreement with the annotations (ROC AUC of the score against the 0/1
label, and F1 of "label 1" at the threshold that the review list uses) and reply times in working days on the
Chinese official calendar. The annotations are not official (see SOURCE.md beside the data): 可解释性 by two
teams (Syucryingstar all rows, Rollbear 100 rows), 完整性 by Rollbear (100 rows).
"""

import argparse
import csv
import datetime as dt
import os
import sys
import time
import zoneinfo
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
DEFAULT = ROOT.parent / "shared" / "data" / "tipdm2020c"
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
LOW = 0.3  # AssessmentConfig.low_reply_score's default: replies below go to the supervisor's review list


def parse_time(text: str) -> dt.datetime | None:
    text = text.strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=TZ)
        except ValueError:
            continue
    return None


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC by ranks (Mann-Whitney U), ties averaged."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)) if n_pos and n_neg else float("nan")


def f1(pred: np.ndarray, labels: np.ndarray) -> float:
    tp = int((pred & (labels == 1)).sum())
    fp, fn = int((pred & (labels == 0)).sum()), int((~pred & (labels == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def describe(name: str, values: np.ndarray) -> str:
    q = np.percentile(values, [10, 25, 50, 75, 90])
    hist, _ = np.histogram(values, bins=5, range=(0, 1))
    return (f"  {name:<13} mean {values.mean():.3f}  p10/25/50/75/90 " + "/".join(f"{v:.2f}" for v in q)
            + "  histogram[0-.2-.4-.6-.8-1] " + " ".join(str(h) for h in hist))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT)
    args = parser.parse_args()
    replies_path = args.data / "fj4_messages_with_replies.csv"
    notes_path = args.data / "fj4_reply_quality_annotations.csv"
    if not replies_path.exists() or not notes_path.exists():
        print(f"skipped: {replies_path} or its annotations are absent")
        return
    import django

    django.setup()
    from cityloop.assessment.reply_quality import score_reply
    from cityloop.tickets.calendar import WorkingCalendar, official_exceptions, parse_working_hours

    exceptions: dict[dt.date, bool] = {}
    for year in range(2010, 2021):
        exceptions |= {day: work for day, (work, _name) in official_exceptions(year).items()}
    calendar = WorkingCalendar(exceptions, frozenset(range(2010, 2021)), parse_working_hours("09:00-12:00,13:30-17:30"),
                               TZ)
    with replies_path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with notes_path.open(encoding="utf-8") as f:
        notes = {r["留言编号"]: r for r in csv.DictReader(f)}
    started = time.perf_counter()
    scores = []
    for row in rows:
        q = score_reply(demand=f"{row['留言主题']}。{row['留言详情']}", reply=row["答复意见"],
                        received_at=parse_time(row["留言时间"]), replied_at=parse_time(row["答复时间"]),
                        calendar=calendar)
        scores.append((row["留言编号"], q))
    seconds = time.perf_counter() - started
    print(f"fj4: {len(rows)} replies scored in {seconds:.1f} s ({1000 * seconds / len(rows):.1f} ms each)")
    print("score distributions:")
    parts = {name: np.array([getattr(q, name) for _, q in scores]) for name in
             ("relevance", "completeness", "explanation", "timeliness")}
    parts["total"] = np.array([q.total for _, q in scores])
    for name, values in parts.items():
        print(describe(name, values))
    low = parts["total"] < LOW
    print(f"  below {LOW} (to the supervisor's review list): {int(low.sum())} of {len(low)} ({100 * low.mean():.1f} %)")

    print("agreement with the annotations (label 1 = good):")
    # Thresholds: explanation 0.2 (any one of basis / next steps / contact), completeness 0.25 (a quarter of the
    # points taken up), total = the review threshold. Chosen after looking at the distributions above, so the
    # F1 figures are optimistic; the AUCs need no threshold.
    for column, part, threshold in (("可解释性_Syucryingstar", "explanation", 0.2),
                                    ("可解释性_Rollbear", "explanation", 0.2),
                                    ("完整性_Rollbear", "completeness", 0.25),
                                    ("可解释性_Syucryingstar", "total", LOW)):
        pairs = [(getattr(q, part) if part != "total" else q.total, notes[i][column]) for i, q in scores
                 if i in notes and notes[i][column] not in ("", None)]
        values = np.array([p[0] for p in pairs])
        labels = np.array([int(float(p[1])) for p in pairs])
        base = f1(np.ones(len(labels), bool), labels)
        print(f"  {part:<12} vs {column:<22} n={len(labels):>4} (label 1: {labels.mean():.0%})  "
              f"AUC {auc(values, labels):.3f}  F1(label 1, score >= {threshold}) "
              f"{f1(values >= threshold, labels):.3f}  [F1 of always-1 baseline {base:.3f}]")

    days = np.array([q.working_days for _, q in scores if q.working_days is not None])
    print(f"reply time in working days (Chinese official calendar, 09:00-12:00/13:30-17:30), n={len(days)}:")
    q = np.percentile(days, [10, 25, 50, 75, 90, 99])
    print(f"  mean {days.mean():.1f}  p10/25/50/75/90/99 " + "/".join(f"{v:.1f}" for v in q)
          + f"  max {days.max():.1f}")
    print(f"  within 3 working days {np.mean(days <= 3):.1%}, within 13 {np.mean(days <= 13):.1%}, "
          f"over 30 {np.mean(days > 30):.1%}")


if __name__ == "__main__":
    main()
