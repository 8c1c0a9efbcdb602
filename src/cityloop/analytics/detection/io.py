"""The shared CSV contract: counts.csv (series,t,count), layout.csv (series,category,x,y), alarms.csv."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .scan import Layout

MISSING = {"", "NA", "NaN", "nan"}


class InputError(ValueError):
    """Bad input file; the message is safe to show to the user."""


@dataclass
class CountTable:
    series: list[str]
    Y: np.ndarray  # (S, T) float, NaN = not reported


def _number(value: str, what: str, line: int) -> float:
    try:
        x = float(value)
    except ValueError:
        raise InputError(f"line {line}: {what} is not a number: {value!r}") from None
    if math.isinf(x) or math.isnan(x):
        raise InputError(f"line {line}: {what} is not a finite number: {value!r}")
    return x


def _rows(path: Path, required: tuple[str, ...]) -> csv.DictReader:
    fh = path.open(newline="", encoding="utf-8-sig")
    reader = csv.DictReader(fh)
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        fh.close()
        raise InputError(f"{path.name}: missing column(s): {', '.join(missing)}")
    return reader


def read_counts(path: str | Path) -> CountTable:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    reader = _rows(path, ("series", "t", "count"))
    index: dict[str, int] = {}
    s_idx: list[int] = []
    t_idx: list[int] = []
    vals: list[float] = []
    for line, row in enumerate(reader, start=2):
        name = (row["series"] or "").strip()
        if not name:
            raise InputError(f"line {line}: empty series name")
        t = _number(row["t"], "t", line)
        if t < 1 or t != int(t):
            raise InputError(f"line {line}: t must be a positive integer, got {row['t']!r}")
        raw = (row["count"] or "").strip()
        if raw in MISSING:
            c = math.nan  # a reporting outage: left out of the fit, never alarms
        else:
            c = _number(raw, "count", line)
            if c < 0:
                raise InputError(f"line {line}: negative count {raw}")
        s_idx.append(index.setdefault(name, len(index)))
        t_idx.append(int(t) - 1)
        vals.append(c)
    if not vals:
        raise InputError(f"{path.name}: no data rows")
    S, T = len(index), max(t_idx) + 1
    Y = np.full((S, T), np.nan)
    si, ti = np.asarray(s_idx), np.asarray(t_idx)
    dup = np.zeros(len(si), dtype=bool)
    flat = si * T + ti
    _, first = np.unique(flat, return_index=True)
    dup[np.setdiff1d(np.arange(len(si)), first)] = True
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise InputError(f"line {k + 2}: duplicate row for series {list(index)[si[k]]!r}, t={ti[k] + 1}")
    Y[si, ti] = np.asarray(vals)
    return CountTable(series=list(index), Y=Y)


def read_layout(path: str | Path, series: list[str]) -> Layout:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    reader = _rows(path, ("series", "category", "x", "y"))
    rows: dict[str, tuple[str, float, float]] = {}
    for line, row in enumerate(reader, start=2):
        rows[row["series"].strip()] = (
            row["category"].strip(),
            _number(row["x"], "x", line),
            _number(row["y"], "y", line),
        )
    absent = [s for s in series if s not in rows]
    if absent:
        raise InputError(f"{path.name}: no layout for series {', '.join(absent[:5])}")
    names = sorted({rows[s][0] for s in series})
    code = {n: i for i, n in enumerate(names)}
    return Layout(
        category=np.array([code[rows[s][0]] for s in series], dtype=np.int64),
        xy=np.array([[rows[s][1], rows[s][2]] for s in series], dtype=float),
        names=names,
    )


def write_alarms(
    path: str | Path, series: list[str], *, t0: int, method: str, alarm: np.ndarray, score: np.ndarray
) -> None:
    """alarms.csv rows for the evaluation window; t0 is the 1-based t of the first evaluated column."""
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["series", "t", "method", "alarm", "score"])
        for i, name in enumerate(series):
            for j in range(alarm.shape[1]):
                sc = score[i, j]
                w.writerow([name, t0 + j, method, int(alarm[i, j]), "NA" if np.isnan(sc) else f"{sc:.4g}"])
