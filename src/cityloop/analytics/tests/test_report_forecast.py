"""The monthly analysis report (.docx) and the next-week forecast."""

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management import call_command

from cityloop.analytics.forecast import forecast, seasonal_naive, weekly
from cityloop.core import clock
from cityloop.tickets.tests.flows import new_ticket


def test_analysis_report_docx(world: Any, tmp_path: Path) -> None:
    from docx import Document

    with clock.frozen_at(dt.datetime(2026, 3, 5, 2, tzinfo=dt.UTC)):
        for _i in range(3):
            new_ticket(world)
    out = tmp_path / "report.docx"
    call_command("analysis-report", "--month", "2026-03", "--out", str(out), stdout=StringIO())
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2026-03" in text
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "市容环卫" in cells


def test_weekly_totals_align_on_the_last_day() -> None:
    daily = np.arange(16)[None, :]
    assert weekly(daily).tolist() == [[sum(range(2, 9)), sum(range(9, 16))]]


def test_forecast_beats_last_week_on_noisy_steady_series() -> None:
    rng = np.random.default_rng(0)
    weeks = rng.poisson(20, size=(200, 30))
    truth = rng.poisson(20, size=200)
    model = np.abs(forecast(weeks, np.zeros(200, dtype=int)) - truth).mean()
    naive = np.abs(seasonal_naive(weeks) - truth).mean()
    assert model < naive
