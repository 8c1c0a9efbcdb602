"""`cityloop classifier train|evaluate|predict`: the intake text classifier from the command line.

Files only, no database. Input is CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030) or .xlsx with a header row;
`--title-col/--detail-col/--label-col` name the columns (e.g. 留言主题, 留言详情, 一级标签 for the tipdm files).
Every input is validated before anything is written; model directories and output files are written to a
temporary name and renamed into place, so an error leaves the previous state unchanged.
Cells longer than 20,000 characters are rejected (not truncated) so that a paste accident is noticed.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityloop.intelligence.classification import (
    ClassifierError,
    TextClassifier,
    check_output_path,
    extract_examples,
    read_table,
    write_table,
)
from cityloop.intelligence.classification.model import check_model_target


def _error(exc: ClassifierError) -> CommandError:
    message = _(exc.template) % exc.params if exc.params else _(exc.template)
    return CommandError(message)


def _add_columns(parser: CommandParser, *, label: bool) -> None:
    parser.add_argument("--title-col", default="title", help="column with the ticket title (default: title)")
    parser.add_argument(
        "--detail-col",
        default=None,
        help="column with the ticket description (default: detail, used when present)",
    )
    if label:
        parser.add_argument("--label-col", default="label", help="column with the true label (default: label)")


class Command(BaseCommand):
    help = "Train, evaluate and apply the intake text classifier (category, type or urgency)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate,predict,retrain}")

        train = sub.add_parser("train", help="train a model from a labelled file")
        train.add_argument("--data", required=True, help="labelled CSV or .xlsx")
        train.add_argument("--out", required=True, help="model directory to create")
        _add_columns(train, label=True)
        train.add_argument(
            "--label-field",
            default="category",
            help="what the labels are (category, type, urgency …); stored in meta.json",
        )
        train.add_argument(
            "--unlabelled",
            action="append",
            default=[],
            help="unlabelled CSV/.xlsx for self-training (same column options); repeatable",
        )
        train.add_argument(
            "--taxonomy",
            help="CSV/.xlsx of the category tree, a path of names from the top per row (e.g. 一级分类, 二级分类, "
            "三级分类): the names below each label are learnt as texts of that label",
        )
        train.add_argument("--overwrite", action="store_true", help="replace an existing model directory")

        evaluate = sub.add_parser("evaluate", help="measure a model on a labelled file")
        evaluate.add_argument("--model", required=True, help="model directory")
        evaluate.add_argument("--data", required=True, help="labelled CSV or .xlsx")
        _add_columns(evaluate, label=True)
        evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")

        predict = sub.add_parser("predict", help="label the rows of a file")
        retrain = sub.add_parser("retrain", help="train from the platform's own closed tickets")
        retrain.add_argument("--out", required=True, help="model directory to create")
        retrain.add_argument("--label-field", default="category", choices=("category", "type", "urgency"),
                             help="what to predict (default category)")
        retrain.add_argument("--level", type=int, default=2,
                             help="category level the labels are taken at (default 2; deeper categories count "
                                  "as their ancestor)")
        retrain.add_argument("--since", default="", help="only tickets closed on or after this date (YYYY-MM-DD)")
        retrain.add_argument("--min-count", type=int, default=5,
                             help="labels with fewer tickets are left out (default 5)")
        retrain.add_argument("--activate", action="store_true",
                             help="make the new model the one intake uses (<DATA_DIR>/models/<field>/active)")
        retrain.add_argument("--overwrite", action="store_true", help="replace an existing model directory")
        predict.add_argument("--model", required=True, help="model directory")
        predict.add_argument("--input", required=True, help="CSV or .xlsx to label")
        predict.add_argument(
            "--output", required=True, help="CSV or .xlsx to write (input columns + label, confidence)"
        )
        _add_columns(predict, label=False)
        predict.add_argument("--output-label-col", default="label", help="name of the added label column")
        predict.add_argument(
            "--output-confidence-col", default="confidence", help="name of the added confidence column"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except ClassifierError as exc:
            raise _error(exc) from exc

    # ------------------------------------------------------------------ actions
    def _examples(self, path: str, opts: dict[str, Any], *, label: bool) -> Any:
        table = read_table(path)
        return extract_examples(
            table,
            path=path,
            title_col=opts["title_col"],
            detail_col=opts["detail_col"] or "detail",
            label_col=opts["label_col"] if label else None,
            detail_optional=opts["detail_col"] is None,
        )

    def _train(self, opts: dict[str, Any]) -> None:
        check_model_target(opts["out"], overwrite=opts["overwrite"])  # fail before training, not after
        examples = self._examples(opts["data"], opts, label=True)
        unlabelled: list[tuple[str, str]] = []
        for path in opts["unlabelled"]:
            extra = self._examples(path, opts, label=False)
            unlabelled.extend(zip(extra.titles, extra.details, strict=True))
        taxonomy = read_table(opts["taxonomy"]).rows if opts["taxonomy"] else []
        model = TextClassifier(label_field=opts["label_field"])
        report = model.fit(examples.titles, examples.labels, examples.details, unlabelled_pairs=unlabelled,
                           taxonomy=taxonomy)
        path = model.save(opts["out"], overwrite=opts["overwrite"], extra_meta={"training_file": str(opts["data"])})
        self.stdout.write(
            _("Trained on %(rows)d rows (%(unique)d distinct texts, %(labels)d labels).")
            % {"rows": report.n_rows, "unique": report.n_unique_texts, "labels": len(model.labels)}
        )
        self._summary(report, path)

    def _summary(self, report: Any, path: Path) -> None:
        if report.n_taxonomy:
            self.stdout.write(_("Texts learnt from the category tree: %(n)d.") % {"n": report.n_taxonomy})
        if report.cv_macro_f1 is not None:
            self.stdout.write(
                _("Cross-validated macro-F1 %(f1).4f, accuracy %(acc).4f.")
                % {"f1": report.cv_macro_f1, "acc": report.cv_accuracy}
            )
        self.stdout.write(_("Model saved to %(path)s.") % {"path": path})

    def _evaluate(self, opts: dict[str, Any]) -> None:
        model = TextClassifier.load(opts["model"])
        examples = self._examples(opts["data"], opts, label=True)
        metrics = model.evaluate(examples.titles, examples.labels, examples.details)
        if opts["json"]:
            self.stdout.write(json.dumps(metrics, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _("rows %(n)d  accuracy %(acc).4f  macro-F1 %(f1).4f  ECE %(ece).4f")
            % {"n": metrics["n"], "acc": metrics["accuracy"], "f1": metrics["macro_f1"], "ece": metrics["ece"]}
        )
        for name, value in metrics["per_class_f1"].items():
            self.stdout.write(f"  {name}\t{value:.4f}")
        if metrics["unknown_labels"]:
            self.stdout.write(
                _("Labels the model does not know: %(labels)s") % {"labels": ", ".join(metrics["unknown_labels"])}
            )

    def _predict(self, opts: dict[str, Any]) -> None:
        output = check_output_path(opts["output"])  # fail on a bad output path before any work
        if output.resolve() == Path(opts["input"]).resolve():
            raise CommandError(_("The output file must not be the input file."))
        model = TextClassifier.load(opts["model"])
        table = read_table(opts["input"])
        added = [opts["output_label_col"], opts["output_confidence_col"]]
        for column in added:
            if column in table.columns:
                raise CommandError(
                    _(
                        "The input already has a column %(column)s; name the output columns with "
                        "--output-label-col/--output-confidence-col so the prediction does not overwrite it."
                    )
                    % {"column": column}
                )
        examples = self._examples(opts["input"], opts, label=False)
        predictions = model.predict(examples.titles, examples.details)
        width = len(table.columns)
        rows: list[list[str]] = []
        for row_number, prediction in zip(examples.row_numbers, predictions, strict=True):
            cells = table.rows[row_number - 2]
            cells = (cells + [""] * width)[:width]
            rows.append([*cells, prediction.label, f"{prediction.confidence:.4f}"])
        write_table(output, [*table.columns, *added], rows)
        self.stdout.write(_("Wrote %(rows)d predictions to %(path)s.") % {"rows": len(rows), "path": output})

    def _retrain(self, opts: dict[str, Any]) -> None:
        from cityloop.intelligence.registry import activate
        from cityloop.intelligence.retraining import category_taxonomy, closed_ticket_examples

        check_model_target(opts["out"], overwrite=opts["overwrite"])
        titles, details, labels = closed_ticket_examples(
            label_field=opts["label_field"], level=opts["level"], since=opts["since"], min_count=opts["min_count"])
        model = TextClassifier(label_field=opts["label_field"])
        report = model.fit(titles, labels, details, taxonomy=category_taxonomy(opts["level"])
                           if opts["label_field"] == "category" else ())
        path = model.save(opts["out"], overwrite=opts["overwrite"], extra_meta={
            "training_file": "closed tickets", "category_level": opts["level"]})
        self.stdout.write(
            _("Trained on %(rows)d closed tickets (%(labels)d labels).") % {"rows": report.n_rows,
                                                                            "labels": len(model.labels)})
        self._summary(report, path)
        if opts["activate"]:
            link = activate(opts["label_field"], path)
            self.stdout.write(_("Active for intake: %(link)s.") % {"link": link})
