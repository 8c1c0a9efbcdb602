"""Bulk import: mappings, row checks with a report, idempotent re-import, bad files, the real samples."""

import csv
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook

from cityloop.open311 import tables
from cityloop.open311.imports import Mapping, import_mapping_load, import_tickets
from cityloop.open311.models import ImportedRow, ImportMapping
from cityloop.tickets.models import Ticket, TicketEvent

SHARED = Path("/work/shared/data")
MAPPING = {
    "name": "test-source", "source": "test", "timezone": "Asia/Shanghai",
    "date_formats": ["%Y/%m/%d %H:%M:%S", "%Y/%m/%d"],
    "columns": {"编号": "external_id", "时间": "created_at", "标题": "title", "内容": "description",
                "类型": "ticket_type", "分类": "category", "电话": "citizen_phone", "纬度": "latitude",
                "经度": "longitude", "地址": "address", "状态": "status"},
    "optional": ["电话", "状态"],
    "value_maps": {"ticket_type": {"投诉": "complaint", "咨询": "inquiry"}, "status": {"已办结": "closed"}},
    "defaults": {"ticket_type": "help"},
}
HEADER = ["编号", "时间", "标题", "内容", "类型", "分类", "电话", "纬度", "经度", "地址", "状态"]
GOOD = [
    ["A1", "2025/3/1 9:05:00", "噪音扰民", "夜间施工噪音", "投诉", "市容环卫", "13900000001", "30.605", "114.305",
     "望江路1号", "已办结"],
    ["A2", "2025/3/2", "", "咨询社保办理流程\n第二行", "咨询", "0101", "", "", "", "", ""],
    ["A3", "2025/3/3 10:00:00", "井盖缺失", "", "", "不存在的分类", "", "30.605", "114.325", "江岸路", ""],
]
BAD = [
    ["", "2025/3/1 9:05:00", "无编号", "x", "投诉", "", "", "", "", "", ""],
    ["A4", "昨天", "日期错", "x", "投诉", "", "", "", "", "", ""],
    ["A5", "2025/3/1 9:05:00", "纬度错", "x", "投诉", "", "", "北纬30", "114.3", "", ""],
    ["A6", "2025/3/1 9:05:00", "", "", "投诉", "", "", "", "", "", ""],
    ["A7", "2025/3/1 9:05:00", "类型错", "x", "表扬信", "", "", "", "", "", ""],
    ["A1", "2025/3/1 9:05:00", "重复编号", "x", "投诉", "", "", "", "", "", ""],
    ["A8", "2099/1/1 0:00:00", "未来", "x", "投诉", "", "", "", "", "", ""],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows([header, *rows])
    return path


def write_xlsx(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [header, *rows]:
        sheet.append(row)
    workbook.save(path)
    return path


def run(path: Path, mapping: str, *args: str) -> None:
    call_command("import", "tickets", str(path), "--mapping", mapping, *args)


@pytest.fixture
def mapping_file(tmp_path: Path) -> str:
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_import_csv_checks_rows_reports_rejections_and_is_idempotent(world: Any, tmp_path: Path,
                                                                        mapping_file: str, capsys: Any) -> None:
    path = write_csv(tmp_path / "tickets.csv", GOOD + BAD)
    run(path, mapping_file, "--language", "en")
    out = capsys.readouterr()
    assert out.out.strip() == "10 rows: 3 imported, 0 imported before, 7 rejected."
    assert "tickets.csv.rejected.csv" in out.err
    assert Ticket.objects.count() == 3
    assert ImportMapping.objects.filter(name="test-source").exists()  # the mapping is saved for next time
    report = list(csv.reader((tmp_path / "tickets.csv.rejected.csv").open(encoding="utf-8-sig")))
    assert report[0] == ["row", "key", "reason"]
    rows = {row[0]: row for row in report[1:]}
    assert sorted(rows, key=int) == ["5", "6", "7", "8", "9", "10", "11"]  # header is row 1; GOOD are 2–4
    assert rows["10"][2] == "The key A1 appears again (first on row 2)."
    assert "昨天" in rows["6"][2]
    assert "北纬30" in rows["7"][2]
    assert "表扬信" in rows["9"][2]
    for row in report[1:]:
        assert row[2]  # every rejection has its reason

    first = Ticket.objects.get(imported_rows__external_id="A1")
    assert (first.channel, first.status, first.ticket_type, first.category) == ("import", "received", "complaint",
                                                                              world.category)
    assert first.created_at == dt.datetime(2025, 3, 1, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert first.number == f"20250301{first.pk:06d}"
    assert first.area == world.grid
    assert first.citizen_phone == "13900000001"
    second = Ticket.objects.get(imported_rows__external_id="A2")
    assert (second.title, second.ticket_type, second.category, second.area) == (
        "咨询社保办理流程", "inquiry", world.category, world.city)
    third = Ticket.objects.get(imported_rows__external_id="A3")
    assert (third.description, third.ticket_type, third.category, third.area) == (
        "井盖缺失", "help", None, world.other_grid)
    assert ImportedRow.objects.get(external_id="A1").data == {"status": "closed"}
    assert ImportedRow.objects.get(external_id="A3").data == {"category": "不存在的分类"}
    events = TicketEvent.objects.filter(ticket=first)
    assert [(e.action, e.to_status, e.actor, e.at) for e in events] == [("receive", "received", None,
                                                                         first.created_at)]

    run(path, "test-source", "--language", "en")  # the saved mapping, by name
    assert capsys.readouterr().out.strip() == "10 rows: 0 imported, 3 imported before, 7 rejected."
    assert Ticket.objects.count() == 3
    assert TicketEvent.objects.count() == 3
    assert ImportedRow.objects.count() == 3


def test_fast_path_matches_ticket_create(world: Any, tmp_path: Path) -> None:
    mapping = Mapping.from_config(MAPPING)
    path = write_csv(tmp_path / "a.csv", GOOD)
    import_tickets(path, mapping, source="fast")
    import_tickets(path, mapping, source="slow", fast=False)
    skip = {"id", "number", "idempotency_key"}
    for fast_row, slow_row in zip(ImportedRow.objects.filter(source="fast").order_by("external_id"),
                                  ImportedRow.objects.filter(source="slow").order_by("external_id"), strict=True):
        fast, slow = fast_row.ticket, slow_row.ticket
        for f in Ticket._meta.concrete_fields:
            if f.attname not in skip:
                assert getattr(fast, f.attname) == getattr(slow, f.attname), f.attname
        assert fast.number[:8] == slow.number[:8]
        assert (fast.idempotency_key, slow.idempotency_key) == (f"import:fast:{fast_row.external_id}",
                                                                f"import:slow:{slow_row.external_id}")
        fast_events = list(fast.events.values("action", "from_status", "to_status", "actor", "actor_unit", "at",
                                              "note", "data"))
        assert fast_events == list(slow.events.values("action", "from_status", "to_status", "actor", "actor_unit",
                                                      "at", "note", "data"))


def test_import_xlsx_and_dry_run(world: Any, tmp_path: Path, mapping_file: str, capsys: Any) -> None:
    rows = [[1001, dt.datetime(2025, 3, 1, 9, 5), "路灯不亮", "滨江路路灯", "投诉", "", 13900000002, 30.605, 114.305,
             "", ""], *[[r[0], *r[1:]] for r in GOOD[1:]]]
    path = write_xlsx(tmp_path / "tickets.xlsx", rows)
    run(path, mapping_file, "--dry-run")
    assert "3" in capsys.readouterr().out
    assert Ticket.objects.count() == 0
    run(path, mapping_file)
    ticket = Ticket.objects.get(imported_rows__external_id="1001")  # an integer cell keeps its digits
    assert ticket.citizen_phone == "13900000002"
    assert timezone.localtime(ticket.created_at).replace(tzinfo=None) == dt.datetime(2025, 3, 1, 9, 5)
    assert Ticket.objects.count() == 3
    run(path, mapping_file)
    assert Ticket.objects.count() == 3


def test_utf8_bom_is_read(world: Any, tmp_path: Path, mapping_file: str) -> None:
    run(write_csv(tmp_path / "bom.csv", GOOD[:1], encoding="utf-8-sig"), mapping_file)
    assert Ticket.objects.count() == 1


def test_gbk_csv_is_refused_unless_asked_for(world: Any, tmp_path: Path, mapping_file: str) -> None:
    path = write_csv(tmp_path / "gbk.csv", GOOD, encoding="gbk")
    with pytest.raises(CommandError, match="GBK/GB18030"):
        run(path, mapping_file, "--language", "en")
    assert Ticket.objects.count() == 0
    run(path, mapping_file, "--encoding", "gbk")
    assert Ticket.objects.get(imported_rows__external_id="A1").title == "噪音扰民"


def test_wrong_header_is_refused(world: Any, tmp_path: Path, mapping_file: str) -> None:
    header = ["id", *HEADER[1:]]
    with pytest.raises(CommandError, match="编号") as error:
        run(write_csv(tmp_path / "wrong.csv", GOOD, header=header), mapping_file, "--language", "en")
    assert "missing" in str(error.value)
    assert Ticket.objects.count() == 0


def test_corrupt_xlsx_is_refused(world: Any, tmp_path: Path, mapping_file: str) -> None:
    for content in (b"PK\x03\x04 this is not a zip", b"\x00\x01garbage", b"", b"\xd0\xcf\x11\xe0 old xls"):
        path = tmp_path / "broken.xlsx"
        path.write_bytes(content)
        with pytest.raises(CommandError, match=r"broken\.xlsx"):
            run(path, mapping_file, "--language", "en")
    assert Ticket.objects.count() == 0


def test_truncated_xlsx_is_refused(world: Any, tmp_path: Path, mapping_file: str) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", GOOD)
    broken = tmp_path / "cut.xlsx"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CommandError, match="Nothing imported"):
        run(broken, mapping_file, "--language", "en")
    assert Ticket.objects.count() == 0


def test_file_over_1_gb_is_refused_before_reading(world: Any, tmp_path: Path, mapping_file: str) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as stream:  # sparse: no gigabyte is written
        stream.truncate(tables.MAX_FILE_BYTES + 1)
    with pytest.raises(CommandError, match="1,024 MB"):
        run(path, mapping_file, "--language", "en")
    assert Ticket.objects.count() == 0


def test_unknown_mapping_and_bad_mapping(world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", GOOD)
    with pytest.raises(CommandError, match="nyc311"):
        run(path, "nope", "--language", "en")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**MAPPING, "columns": {"编号": "external_id", "标题": "colour"}}), encoding="utf-8")
    with pytest.raises(CommandError, match="colour"):
        run(path, str(bad), "--language", "en")
    assert Ticket.objects.count() == 0


def test_shipped_mappings_load(world: Any) -> None:
    for name in ("nyc311", "la311", "tipdm"):
        assert import_mapping_load(name).name == name
    assert set(ImportMapping.objects.values_list("name", flat=True)) == {"nyc311", "la311", "tipdm"}


SAMPLES = [("nyc311", "nyc311/nyc311_2023-02-28_sample.csv"), ("la311", "la311/la311_2018_mini.csv"),
           ("la311", "la311/la311_2020_seed_requests.csv"), ("tipdm", "tipdm2020c/fj4_messages_with_replies.csv"),
           ("tipdm", "tipdm2020c/fj2_full_subset.csv")]


@pytest.mark.parametrize(("mapping", "sample"), SAMPLES)
def test_real_sample_first_200_rows(world: Any, tmp_path: Path, mapping: str, sample: str, capsys: Any) -> None:
    source = SHARED / sample
    if not source.exists():
        pytest.skip(f"{source} is absent: the shared sample data is not mounted here")
    head = tmp_path / source.name
    with source.open(encoding="utf-8", newline="") as stream, head.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(itertools.islice(csv.reader(stream), 201))
    run(head, mapping)
    imported = Ticket.objects.count()
    rejected = head.with_name(head.name + ".rejected.csv")
    rejected_rows = len(list(csv.reader(rejected.open(encoding="utf-8-sig")))) - 1 if rejected.exists() else 0
    assert imported + rejected_rows == 200
    assert imported >= 190
    assert set(Ticket.objects.values_list("channel", flat=True)) == {"import"}
    run(head, mapping)
    assert Ticket.objects.count() == imported
    if sample.endswith("fj2_full_subset.csv"):
        assert Ticket.objects.filter(category=world.category.parent).exists()  # 一级标签 城乡建设 by name


def test_report_goes_to_the_data_directory_when_the_input_folder_is_read_only(
        world: Any, tmp_path: Path, mapping_file: str, settings: Any) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = write_csv(folder / "t.csv", GOOD + BAD[:1])
    folder.chmod(0o555)
    settings.DATA_DIR = tmp_path / "data"
    try:
        run(path, mapping_file)
    finally:
        folder.chmod(0o755)
    assert not (folder / "t.csv.rejected.csv").exists()
    assert len(read_rows(tmp_path / "data" / "imports" / "t.csv.rejected.csv")) == 2


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(encoding="utf-8-sig")))
