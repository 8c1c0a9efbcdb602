"""Intake classifier: model round trip, calibration, CLI and every bad-input case (nothing written on error)."""

import csv
import json
import random
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from cityloop.core.paths import shared_data_dir
from cityloop.intelligence.classification import (
    FORMAT_VERSION,
    ClassifierConfig,
    InputError,
    ModelFormatError,
    TextClassifier,
    extract_examples,
    read_table,
)
from cityloop.intelligence.classification.text import MAX_CELL_CHARS

# Small synthetic hotline data: each category has its own places and problems, mixed at random.
_TOPICS = {
    "城乡建设": (["小区", "楼栋", "物业", "电梯"], ["漏水", "违建", "停电", "电梯故障"]),
    "环境保护": (["工厂", "河道", "餐馆", "工地"], ["噪音扰民", "污水排放", "油烟污染", "粉尘"]),
    "交通运输": (["公交站", "路口", "地铁站", "高速"], ["红绿灯坏了", "线路调整", "拥堵", "出租车拒载"]),
    "教育文体": (["学校", "幼儿园", "体育馆", "图书馆"], ["乱收费", "招生", "补课", "开放时间"]),
}
_PLACES = ["A市", "A1区", "A2区", "B县", "C镇"]


def synthetic(n_per_class: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    titles, details, labels = [], [], []
    for label, (things, problems) in _TOPICS.items():
        for _ in range(n_per_class):
            thing, problem = rng.choice(things), rng.choice(problems)
            titles.append(f"{rng.choice(_PLACES)}{thing}{problem}")
            details.append(f"我家附近的{thing}{problem}很久了，希望{rng.choice(_PLACES)}有关部门尽快处理。")
            labels.append(label)
    return titles, details, labels


FAST = ClassifierConfig(calibration_folds=3)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TextClassifier, Path]:
    titles, details, labels = synthetic(20)
    model = TextClassifier(config=FAST)
    model.fit(titles, labels, details, unlabelled_pairs=list(zip(*synthetic(5, seed=9)[:2], strict=True)))
    directory = tmp_path_factory.mktemp("models") / "category"
    model.save(directory)
    return model, directory


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def labelled_csv(path: Path, n_per_class: int = 12, seed: int = 1) -> Path:
    titles, details, labels = synthetic(n_per_class, seed)
    return write_csv(path, ["title", "detail", "label"], [list(r) for r in zip(titles, details, labels, strict=True)])


# ------------------------------------------------------------------------------------------- model


def test_round_trip_save_load_predict(trained: tuple[TextClassifier, Path]) -> None:
    model, directory = trained
    loaded = TextClassifier.load(directory)
    titles, details, labels = synthetic(5, seed=3)
    before = model.predict(titles, details)
    after = loaded.predict(titles, details)
    assert [p.label for p in before] == [p.label for p in after]
    assert np.allclose([p.confidence for p in before], [p.confidence for p in after])
    assert sum(p.label == t for p, t in zip(after, labels, strict=True)) / len(labels) > 0.9
    assert all(0.0 <= p.confidence <= 1.0 for p in after)
    # The single-ticket fast path gives the same numbers as the batch path.
    for title, detail, batch in zip(titles, details, after, strict=True):
        one = loaded.predict_one(title, detail)
        assert one.label == batch.label
        assert one.confidence == pytest.approx(batch.confidence, abs=1e-9)


def test_meta_json(trained: tuple[TextClassifier, Path]) -> None:
    _, directory = trained
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["labels"] == sorted(_TOPICS)
    assert meta["label_field"] == "category"
    assert len(meta["training_data_sha256"]) == 64
    assert meta["cityloop_version"]
    assert meta["created_at"].endswith("+00:00")
    assert 0.0 <= meta["metrics"]["cv_macro_f1"] <= 1.0
    assert meta["training"]["n_self_training"] > 0
    assert meta["nb_share"] == meta["training"]["nb_share"]
    assert sorted(p.name for p in directory.iterdir()) == ["meta.json", "model.skops"]
    # Written with the usual umask permissions (a temporary directory would be 0700).
    assert directory.stat().st_mode & 0o077 == 0o777 & ~_umask() & 0o077


def test_training_is_deterministic() -> None:
    titles, details, labels = synthetic(10)
    first, second = TextClassifier(config=FAST), TextClassifier(config=FAST)
    first.fit(titles, labels, details)
    second.fit(titles, labels, details)
    assert first.data_sha256 == second.data_sha256
    assert first.coef_ is not None
    assert second.coef_ is not None
    assert np.array_equal(first.coef_, second.coef_)
    assert first.temperature == second.temperature


def test_same_class_for_ticket_type_and_binary_labels() -> None:
    # The generic API: the same class trained on another label column (ticket type), and on two labels.
    kinds = {"投诉": "投诉{}{}，严重影响生活", "咨询": "请问{}{}怎么办理", "表扬": "感谢{}{}工作人员热心服务"}
    titles, labels = [], []
    for kind, template in kinds.items():
        for place in _PLACES:
            for thing in ["社保", "户口", "停车", "供水"]:
                titles.append(template.format(place, thing))
                labels.append(kind)
    model = TextClassifier(label_field="type", config=FAST)
    model.fit(titles, labels)
    assert model.label_field == "type"
    assert model.predict_one("请问A市社保卡怎么办理").label == "咨询"
    binary = TextClassifier(label_field="urgency", config=FAST)
    binary.fit(titles, ["紧急" if label == "投诉" else "一般" for label in labels])
    assert binary.predict_one("投诉B县供水，严重影响生活").label == "紧急"
    assert binary.predict_one("感谢B县社保工作人员").confidence > 0.5
    # The batch path agrees with the one-ticket path also when the SVM has a single score column.
    batch = binary.predict(["投诉B县供水，严重影响生活", "感谢B县社保工作人员"])
    assert [p.label for p in batch] == ["紧急", "一般"]
    assert batch[1].confidence == pytest.approx(binary.predict_one("感谢B县社保工作人员").confidence, abs=1e-9)


def test_conflicting_duplicates_keep_majority() -> None:
    titles, _, labels = synthetic(6)
    titles += ["同一个标题"] * 3
    labels += ["城乡建设", "城乡建设", "环境保护"]
    model = TextClassifier(config=FAST)
    report = model.fit(titles, labels)
    assert report.n_conflicting_duplicates == 1
    assert report.n_unique_texts == len(set(titles))


def test_one_label_is_refused() -> None:
    with pytest.raises(InputError, match="at least two different labels"):
        TextClassifier(config=FAST).fit(["路灯坏了", "路灯不亮"], ["城乡建设", "城乡建设"])


def test_newer_format_version_is_refused(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    _, directory = trained
    newer = tmp_path / "newer"
    newer.mkdir()
    for name in ("model.skops", "meta.json"):
        (newer / name).write_bytes((directory / name).read_bytes())
    meta = json.loads((newer / "meta.json").read_text(encoding="utf-8"))
    meta["format_version"] = FORMAT_VERSION + 1
    (newer / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelFormatError, match="newer than the version"):
        TextClassifier.load(newer)


def test_version_1_model_loads_as_svm_alone(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    # A version-1 file (before the NB-SVM) has only the TF-IDF SVM: it must load and predict with that alone.
    import skops.io as sio

    model, directory = trained
    assert model.nb_coef_ is not None
    assert model.nb_coef_.any()
    state = sio.load(directory / "model.skops", trusted=[])
    del state["nb_coef"], state["nb_intercept"]
    sio.dump(state, tmp_path / "model.skops")
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    meta["format_version"] = 1
    del meta["nb_share"]
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    old = TextClassifier.load(tmp_path)
    assert old.nb_share == 0.0
    titles, details, _ = synthetic(3, seed=4)
    svm_alone = old.predict_proba(titles, details)
    new = TextClassifier.load(directory)
    new.nb_share = 0.0
    assert np.allclose(svm_alone, new.predict_proba(titles, details))
    assert old.predict_one(titles[0], details[0]) == old.predict(titles[:1], details[:1])[0]


def test_version_2_model_loads(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    # Version 2 had the same arrays and a config without taxonomy_weight: it loads and predicts the same.
    model, directory = trained
    (tmp_path / "model.skops").write_bytes((directory / "model.skops").read_bytes())
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    meta["format_version"] = 2
    del meta["config"]["taxonomy_weight"]
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    old = TextClassifier.load(tmp_path)
    assert old.config.taxonomy_weight == ClassifierConfig().taxonomy_weight
    titles, details, _ = synthetic(3, seed=4)
    assert np.allclose(old.predict_proba(titles, details), model.predict_proba(titles, details))


def test_taxonomy_paths_become_texts_of_their_label() -> None:
    from cityloop.intelligence.classification.model import _taxonomy_texts

    taxonomy = [
        ("城乡建设", "住房保障与房地产", "物业管理"),
        ("城乡建设", "住房保障与房地产", "物业管理"),  # duplicate path: one text
        ("政法", "治安", "噪音"),  # top name is not a label of the data: left out
        ("城乡建设",),  # nothing below the label: left out
        ("环境保护", " 噪声污染 ", ""),
    ]
    assert _taxonomy_texts(taxonomy, {"城乡建设", "环境保护"}) == [
        ("住房保障与房地产 物业管理", "城乡建设"),
        ("噪声污染", "环境保护"),
    ]
    # Labels taken at the second level: the names below the second level are the text.
    assert _taxonomy_texts(taxonomy, {"住房保障与房地产"}) == [("物业管理", "住房保障与房地产")]


def test_taxonomy_is_trained_on() -> None:
    titles, details, labels = synthetic(10)
    plain = TextClassifier(config=FAST)
    plain.fit(titles, labels, details)
    with_taxonomy = TextClassifier(config=FAST)
    report = with_taxonomy.fit(titles, labels, details, taxonomy=[("交通运输", "公共交通", "地铁站 红绿灯")])
    assert report.n_taxonomy == 1
    assert with_taxonomy.data_sha256 != plain.data_sha256
    assert with_taxonomy.coef_ is not None
    assert plain.coef_ is not None
    assert not np.array_equal(with_taxonomy.coef_, plain.coef_)


def test_cross_validation_holds_out_an_auxiliary_text_with_its_title() -> None:
    from cityloop.intelligence.classification.model import _Design

    design = _Design(x=sp.identity(4, format="csr"), y=np.array(["a", "b", "a", "b"]))
    design.add(sp.identity(4, format="csr")[:3], np.array(["a", "b", "a"]), 1.0, np.array([0, 1, -1]))
    x, y, w = design.blocks(np.array([1, 2, 3]))  # row 0 is held out: its auxiliary text goes with it
    assert [block.shape[0] for block in x] == [2]
    assert y[0].tolist() == ["b", "a"]
    assert w[0].tolist() == [1.0, 1.0]
    assert design.blocks(None)[1][0].tolist() == ["a", "b", "a"]
    # Through `fit`: a detail given with its title is counted once per title as auxiliary text.
    titles, details, labels = synthetic(6)
    model = TextClassifier(config=FAST)
    report = model.fit(titles, labels, aux_texts=details, aux_labels=labels, aux_titles=titles)
    assert report.n_aux == len(details)
    with pytest.raises(ValueError, match="same length"):
        model.fit(titles, labels, aux_texts=details, aux_labels=labels, aux_titles=titles[:-1])


def test_nb_svm_share_is_cross_validated() -> None:
    titles, details, labels = synthetic(10)
    mixed = TextClassifier(config=FAST)
    report = mixed.fit(titles, labels, details)
    assert report.nb_share == mixed.nb_share
    assert 0.0 <= mixed.nb_share <= 1.0
    alone = TextClassifier(config=ClassifierConfig(calibration_folds=3, nb_svm=False))
    alone.fit(titles, labels, details)
    assert alone.nb_share == 0.0
    assert alone.nb_coef_ is not None
    assert not alone.nb_coef_.any()


def test_damaged_or_missing_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="not a classifier model directory"):
        TextClassifier.load(tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"format_version": 1}), encoding="utf-8")
    (tmp_path / "model.skops").write_bytes(b"not a zip file")
    with pytest.raises(ModelFormatError, match="damaged"):
        TextClassifier.load(tmp_path)


def test_untrusted_type_in_model_file_is_refused(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    import os

    import skops.io as sio

    model, directory = trained
    (tmp_path / "meta.json").write_bytes((directory / "meta.json").read_bytes())
    sio.dump({"vectorizers": [], "coef": model.coef_, "hook": os.system}, tmp_path / "model.skops")
    with pytest.raises(ModelFormatError, match="not trusted"):
        TextClassifier.load(tmp_path)


def test_save_refuses_non_empty_directory(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    model, _ = trained
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="already exists and is not"):
        model.save(tmp_path, overwrite=True)  # not a model directory: never replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ------------------------------------------------------------------------------------------- CLI


def run(*args: str) -> str:
    # English, whatever the project's default language: the assertions match the English msgids.
    out = StringIO()
    with translation.override("en"):
        call_command("classifier", *args, stdout=out)
    return out.getvalue()


def test_cli_train_evaluate_predict_csv(tmp_path: Path) -> None:
    data = labelled_csv(tmp_path / "train.csv")
    unlabelled = write_csv(tmp_path / "unl.csv", ["title", "detail"], [["A1区工地粉尘", "工地粉尘很大"]])
    model_dir = tmp_path / "model"
    # the tree's header row names no label, so only the two paths through a label give texts
    taxonomy = write_csv(tmp_path / "tree.csv", ["一级分类", "二级分类", "三级分类"],
                         [["城乡建设", "住房保障", "物业管理"], ["环境保护", "噪声污染", ""], ["其他", "其他", "其他"]])
    output = run("train", "--data", str(data), "--out", str(model_dir), "--unlabelled", str(unlabelled),
                 "--taxonomy", str(taxonomy))
    assert "Texts learnt from the category tree: 2." in output
    assert "Model saved" in output
    assert (model_dir / "meta.json").is_file()

    test = labelled_csv(tmp_path / "test.csv", n_per_class=5, seed=2)
    output = run("evaluate", "--model", str(model_dir), "--data", str(test), "--json")
    assert json.loads(output)["macro_f1"] > 0.8

    result = tmp_path / "out.csv"
    run(
        "predict",
        "--model",
        str(model_dir),
        "--input",
        str(test),
        "--output",
        str(result),
        "--output-label-col",
        "predicted",
    )
    with result.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 20
    assert list(rows[0]) == ["title", "detail", "label", "predicted", "confidence"]
    assert sum(r["label"] == r["predicted"] for r in rows) >= 16
    assert all(0 <= float(r["confidence"]) <= 1 for r in rows)
    unlabelled_in = write_csv(tmp_path / "plain.csv", ["title"], [["A2区学校乱收费"]])
    run("predict", "--model", str(model_dir), "--input", str(unlabelled_in), "--output", str(result))
    with result.open(encoding="utf-8-sig", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert (row["title"], row["label"]) == ("A2区学校乱收费", "教育文体")
    assert 0.25 < float(row["confidence"]) <= 1

    # Retraining into an existing model directory needs --overwrite.
    with pytest.raises(CommandError, match="--overwrite"):
        run("train", "--data", str(data), "--out", str(model_dir))
    run("train", "--data", str(data), "--out", str(model_dir), "--overwrite")


def test_cli_xlsx_chinese_columns(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    _, model_dir = trained
    titles, details, labels = synthetic(3, seed=4)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["留言编号", "留言主题", "留言详情", "一级标签"])
    for i, row in enumerate(zip(titles, details, labels, strict=True)):
        sheet.append([i, *row])
    sheet.append([99, '=HYPERLINK("x")路灯坏了', "", "城乡建设"])  # must come back as text, not a formula
    sheet.cell(row=sheet.max_row, column=2).data_type = "s"
    source = tmp_path / "in.xlsx"
    workbook.save(source)

    cols = ["--title-col", "留言主题", "--detail-col", "留言详情"]
    output = run("evaluate", "--model", str(model_dir), "--data", str(source), *cols, "--label-col", "一级标签")
    assert "macro-F1" in output
    result = tmp_path / "out.xlsx"
    run("predict", "--model", str(model_dir), "--input", str(source), "--output", str(result), *cols)
    sheet_out = load_workbook(result, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet_out.iter_rows(values_only=True)]
    assert rows[0] == ["留言编号", "留言主题", "留言详情", "一级标签", "label", "confidence"]
    assert len(rows) == len(titles) + 2
    assert rows[-1][1] == '=HYPERLINK("x")路灯坏了'


def test_cli_reads_gbk_csv(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    _, model_dir = trained
    source = write_csv(tmp_path / "gbk.csv", ["title"], [["A1区小区电梯故障"]], encoding="gbk")
    result = tmp_path / "out.csv"
    run("predict", "--model", str(model_dir), "--input", str(source), "--output", str(result))
    assert "城乡建设" in result.read_text(encoding="utf-8-sig")


def test_cli_messages_are_translated(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", ["主题"], [["路灯坏了"]])
    with translation.override("en"), pytest.raises(CommandError) as english:
        call_command("classifier", "train", "--data", str(source), "--out", str(tmp_path / "m"))
    assert "Column title not found" in str(english.value)
    with translation.override("zh-hans"), pytest.raises(CommandError) as chinese:
        call_command("classifier", "train", "--data", str(source), "--out", str(tmp_path / "m"))
    assert "主题" in str(chinese.value)  # the parameters survive translation whether or not a catalogue exists


# ------------------------------------------------------------------------------------------- bad input


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    long_text = "很" * 100_000
    cases = {
        "empty text row": (
            write_csv(tmp_path / "empty.csv", ["title", "detail"], [["路灯坏了", ""], ["", "  "]]),
            "without any text",
        ),
        "empty fields row": (
            write_csv(tmp_path / "commas.csv", ["title", "detail"], [["路灯坏了", ""], ["", ""]]),
            "without any text",
        ),
        "100k characters": (
            write_csv(tmp_path / "long.csv", ["title"], [["路灯坏了"], [long_text]]),
            f"limit is {MAX_CELL_CHARS}",
        ),
        "unknown column": (write_csv(tmp_path / "cols.csv", ["主题"], [["路灯坏了"]]), "Column title not found"),
        "header only": (write_csv(tmp_path / "header.csv", ["title"], []), "no data rows"),
        "wrong suffix": (write_csv(tmp_path / "data.txt", ["title"], [["路灯坏了"]]), "Unsupported file type"),
        "missing file": (tmp_path / "nowhere.csv", "does not exist"),
        "bad xlsx": (tmp_path / "fake.xlsx", "not a readable Excel"),
    }
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook")
    junk = tmp_path / "junk.csv"
    rng = random.Random(0)
    junk.write_bytes(b"title\n" + bytes(rng.randrange(1, 256) for _ in range(2000)))  # no NUL: decoding must fail
    cases["binary junk"] = (junk, "neither UTF-8")
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"title\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    cases["NUL bytes"] = (nul, "binary data")
    ctrl = tmp_path / "ctrl.csv"
    ctrl.write_bytes("title\n路灯\x01\x02坏了\n".encode())
    cases["control characters"] = (ctrl, "binary data")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"title\n\xff\xfe\xfd\n")
    cases["undecodable"] = (latin, "neither UTF-8 nor GBK")
    return cases


def test_cli_bad_input_predict_writes_nothing(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    _, model_dir = trained
    for name, (source, message) in _bad_inputs(tmp_path).items():
        result = tmp_path / f"out-{name.replace(' ', '_')}.csv"
        with pytest.raises(CommandError, match=message):
            run("predict", "--model", str(model_dir), "--input", str(source), "--output", str(result))
        assert not result.exists(), name
    assert not list(tmp_path.glob("out-*"))
    assert not list(tmp_path.glob(".out-*"))  # no temporary file left behind either


def test_cli_bad_input_train_creates_no_model(tmp_path: Path) -> None:
    for name, (source, message) in _bad_inputs(tmp_path).items():
        model_dir = tmp_path / f"model-{name.replace(' ', '_')}"
        with pytest.raises(CommandError, match=message):
            run("train", "--data", str(source), "--out", str(model_dir), "--label-col", "title")
        assert not model_dir.exists(), name
    missing_label = write_csv(tmp_path / "nolabel.csv", ["title", "label"], [["路灯坏了", "城乡建设"], ["噪音", ""]])
    with pytest.raises(CommandError, match="without a label"):
        run("train", "--data", str(missing_label), "--out", str(tmp_path / "m"))
    with pytest.raises(CommandError, match="Column label not found"):
        run("train", "--data", str(tmp_path / "cols.csv"), "--out", str(tmp_path / "m"), "--title-col", "主题")
    assert not (tmp_path / "m").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".m")]


def test_cli_explicit_detail_column_must_exist(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    _, model_dir = trained
    source = write_csv(tmp_path / "in.csv", ["title"], [["路灯坏了"]])
    with pytest.raises(CommandError, match="Column 留言详情 not found"):
        run(
            "predict",
            "--model",
            str(model_dir),
            "--input",
            str(source),
            "--output",
            str(tmp_path / "o.csv"),
            "--detail-col",
            "留言详情",
        )
    assert not (tmp_path / "o.csv").exists()


def test_cli_newer_model_version(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    _, directory = trained
    newer = tmp_path / "newer"
    newer.mkdir()
    for name in ("model.skops", "meta.json"):
        (newer / name).write_bytes((directory / name).read_bytes())
    meta = json.loads((newer / "meta.json").read_text(encoding="utf-8"))
    meta["format_version"] = 99
    (newer / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    source = write_csv(tmp_path / "in.csv", ["title"], [["路灯坏了"]])
    result = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="format version 99, newer than"):
        run("predict", "--model", str(newer), "--input", str(source), "--output", str(result))
    assert not result.exists()
    with pytest.raises(CommandError, match="format version 99"):
        run("evaluate", "--model", str(newer), "--data", str(source), "--label-col", "title")


def test_cli_bad_output_path_and_existing_label_column(trained: tuple[TextClassifier, Path], tmp_path: Path) -> None:
    _, model_dir = trained
    source = write_csv(tmp_path / "in.csv", ["title", "label"], [["路灯坏了", "x"]])
    with pytest.raises(CommandError, match="Unsupported file type"):
        run("predict", "--model", str(model_dir), "--input", str(source), "--output", str(tmp_path / "o.json"))
    with pytest.raises(CommandError, match="already has a column label"):
        run("predict", "--model", str(model_dir), "--input", str(source), "--output", str(tmp_path / "o.csv"))
    assert not (tmp_path / "o.csv").exists()
    assert not (tmp_path / "o.json").exists()
    with pytest.raises(CommandError, match="must not be the input"):
        run(
            "predict",
            "--model",
            str(model_dir),
            "--input",
            str(source),
            "--output",
            str(source),
            "--output-label-col",
            "predicted",
        )
    assert source.read_text(encoding="utf-8").splitlines()[0] == "title,label"


def test_extract_examples_skips_blank_lines(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("title,label\n路灯坏了,城乡建设\n\n噪音,环境保护\n", encoding="utf-8")
    examples = extract_examples(read_table(source), path=str(source), label_col="label")
    assert examples.titles == ["路灯坏了", "噪音"]
    assert examples.labels == ["城乡建设", "环境保护"]


# ------------------------------------------------------------------------------------------- real data


def test_real_tipdm_titles_quick() -> None:
    path = shared_data_dir() / "tipdm2020c" / "fj2_titles_labels.csv"
    if not path.is_file():
        pytest.skip(f"tipdm2020c data not found at {path} (set CITYLOOP_SHARED_DATA); real-data check skipped")
    examples = extract_examples(read_table(path), path=str(path), title_col="留言主题", label_col="一级标签")
    assert examples.labels is not None
    rows = list(zip(examples.titles, examples.labels, strict=True))
    random.Random(20200).shuffle(rows)
    train, test = rows[:2000], rows[2000:2600]
    model = TextClassifier(config=FAST)
    model.fit([t for t, _ in train], [label for _, label in train])
    metrics = model.evaluate([t for t, _ in test], [label for _, label in test])
    assert len(model.labels) == 7
    assert metrics["macro_f1"] > 0.75
