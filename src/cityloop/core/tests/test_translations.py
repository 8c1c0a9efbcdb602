"""The Simplified Chinese catalogue must be complete, compiled, and cover every string the code marks.

Fixing a failure here:
  cd src/cityloop
  DJANGO_SETTINGS_MODULE=cityloop.config.settings.test ../../.venv/bin/cityloop makemessages -l zh_Hans \
      --no-obsolete --ignore "*/tests/*" --ignore conftest.py
  (translate the new msgids in locale/zh_Hans/LC_MESSAGES/django.po, no "#, fuzzy")
  ../../.venv/bin/cityloop compilemessages
and commit both django.po and django.mo.
"""

import ast
import gettext
import importlib
import pkgutil
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.functional import Promise

import cityloop
from cityloop.tickets.workflow import TRANSITIONS, action_label

PACKAGE = Path(cityloop.__file__).resolve().parent
MESSAGES = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|\{[A-Za-z_]\w*\}")  # %(n)s, {number}
HOW_TO_FIX = "run makemessages, translate, compilemessages (see the docstring of this test module)"


# --- a minimal .po reader (polib is not a dependency) -------------------------------------------------------


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> str:
        """How the compiled catalogue (gettext.GNUTranslations) names the message."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def _string(token: str) -> str:
    return ast.literal_eval(token.strip())  # a C string literal in a .po is also a valid Python literal


def parse_po(text: str) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None  # the field the next continuation line extends

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        elif line.startswith("#"):
            continue
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{PO.name}:{number}: continuation line outside an entry")
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _string(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _string(line))
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
            finish()  # a new entry without a blank line in between
        if not entry.line:
            entry.line = number
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            target = ("msgstr", int(match.group(1)))
            entry.msgstr[target[1]] = _string(rest)
        elif keyword == "msgstr":
            target = ("msgstr", 0)
            entry.msgstr[0] = _string(rest)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            target = (keyword, 0)
            setattr(entry, keyword, _string(rest))
        else:
            raise ValueError(f"{PO.name}:{number}: cannot read {raw!r}")
    finish()
    return entries


def po_messages(path: Path) -> list[Entry]:
    return [e for e in parse_po(path.read_text(encoding="utf-8")) if not e.obsolete and e.msgid]


def po_header(path: Path) -> Entry:
    return next(e for e in parse_po(path.read_text(encoding="utf-8")) if not e.msgid and not e.obsolete)


def mo_catalogue(path: Path) -> dict[object, str]:
    with path.open("rb") as fp:
        catalogue = dict(gettext.GNUTranslations(fp)._catalog)  # type: ignore[attr-defined]
    catalogue.pop("", None)  # the header carries dates; compare messages only
    return catalogue


def po_as_catalogue(entries: list[Entry]) -> dict[object, str]:
    """What msgfmt makes of the entries: translated, non-fuzzy messages only."""
    catalogue: dict[object, str] = {}
    for e in entries:
        if "fuzzy" in e.flags or not all(e.msgstr.values()):
            continue
        if e.msgid_plural is None:
            catalogue[e.key] = e.msgstr[0]
        else:
            for index, text in e.msgstr.items():
                catalogue[(e.key, index)] = text
    return catalogue


def test_the_po_reader_handles_wrapped_plural_and_context_entries() -> None:
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#, fuzzy, python-format\nmsgctxt "verb"\nmsgid ""\n"Wrapped %(n)s "\n"line\\n"\nmsgstr "换行 %(n)s"\n\n'
        'msgid "one \\"item\\""\nmsgid_plural "%(n)s items"\nmsgstr[0] "%(n)s 项"\n\n'
        '#~ msgid "gone"\n#~ msgstr "已删"\n')
    header, wrapped, plural, obsolete = entries
    assert header.msgstr[0] == "Language: zh_Hans\n"
    assert (wrapped.msgctxt, wrapped.msgid, wrapped.msgstr, wrapped.flags) == (
        "verb", "Wrapped %(n)s line\n", {0: "换行 %(n)s"}, {"fuzzy", "python-format"})
    assert wrapped.key == "verb\x04Wrapped %(n)s line\n"
    assert (plural.msgid, plural.msgid_plural, plural.msgstr) == ('one "item"', "%(n)s items", {0: "%(n)s 项"})
    assert obsolete.obsolete


# --- (a) the catalogue is complete -------------------------------------------------------------------------


def test_catalogue_is_complete_and_not_fuzzy() -> None:
    entries = po_messages(PO)
    assert len(entries) > 100, f"{PO} looks truncated"
    untranslated = [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated msgids in {PO.name} ({HOW_TO_FIX}): {untranslated}"
    assert not fuzzy, f"fuzzy entries in {PO.name}; check the translation and drop the flag: {fuzzy}"
    assert "fuzzy" not in po_header(PO).flags, "the header is marked fuzzy"
    assert not [e.msgid for e in parse_po(PO.read_text(encoding="utf-8")) if e.obsolete], \
        "obsolete (#~) entries left in the catalogue; regenerate with --no-obsolete"


def test_translations_keep_placeholders_and_plural_forms() -> None:
    header = po_header(PO).msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "charset=UTF-8" in header
    wrong = []
    for e in po_messages(PO):
        source = sorted(PLACEHOLDER.findall(e.msgid_plural or e.msgid))
        wrong += [(e.msgid, text) for text in e.msgstr.values() if sorted(PLACEHOLDER.findall(text)) != source]
        if e.msgid_plural is not None and sorted(e.msgstr) != [0]:
            wrong.append((e.msgid, "Chinese has one plural form: give msgstr[0] only"))
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


# --- (b) the compiled catalogue is current -----------------------------------------------------------------


def test_mo_matches_po() -> None:
    assert MO.exists(), f"{MO} is missing: run compilemessages"
    assert mo_catalogue(MO) == po_as_catalogue(po_messages(PO)), f"{MO.name} is stale: run compilemessages"


def test_mo_matches_what_msgfmt_makes_of_the_po(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed; cannot compile the .po to compare")
    fresh = tmp_path / "django.mo"
    result = subprocess.run([msgfmt, "--check", "-o", str(fresh), str(PO)],
                            capture_output=True, text=True, check=False, timeout=30)
    assert result.returncode == 0, f"msgfmt rejects {PO.name}:\n{result.stderr}"
    assert mo_catalogue(MO) == mo_catalogue(fresh), f"{MO.name} is stale: run compilemessages"


# --- (c) every string the code marks is in the catalogue and comes out in Chinese --------------------------

# The keywords makemessages gives xgettext for Python sources.
XGETTEXT_KEYWORDS = ["gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2", "npgettext:1c,2,3",
                     "pgettext_lazy:1c,2", "npgettext_lazy:1c,2,3"]


def python_sources() -> list[Path]:
    """The files makemessages reads, with the same --ignore patterns (tests, conftest.py)."""
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if "tests" not in p.relative_to(PACKAGE).parts[:-1] and p.name != "conftest.py"
                  and not any(part.startswith(".") for part in p.relative_to(PACKAGE).parts))


def test_every_marked_python_string_is_in_the_catalogue(tmp_path: Path) -> None:
    xgettext = shutil.which("xgettext")
    if xgettext is None:
        pytest.skip("xgettext (GNU gettext) is not installed; cannot extract msgids from the source")
    file_list = tmp_path / "files.txt"
    file_list.write_text("\n".join(str(p.relative_to(PACKAGE)) for p in python_sources()), encoding="utf-8")
    out = tmp_path / "source.pot"
    result = subprocess.run(
        [xgettext, "--language=Python", "--from-code=UTF-8", "--force-po", f"--files-from={file_list}",
         f"--output={out}", *(f"--keyword={k}" for k in XGETTEXT_KEYWORDS)],
        cwd=PACKAGE, capture_output=True, text=True, check=False, timeout=30)
    assert result.returncode == 0, result.stderr
    in_source = {e.key for e in po_messages(out)}
    in_catalogue = {e.key for e in po_messages(PO)}
    missing = sorted(in_source - in_catalogue)
    assert len(in_source) > 100
    assert not missing, f"strings marked for translation but not in {PO.name} ({HOW_TO_FIX}): {missing}"


def choice_classes() -> list[type[models.Choices]]:
    """Every TextChoices/IntegerChoices defined in a cityloop.<app>.choices module."""
    found = []
    for module_info in pkgutil.iter_modules(cityloop.__path__):
        try:
            module = importlib.import_module(f"cityloop.{module_info.name}.choices")
        except ModuleNotFoundError as error:
            if error.name != f"cityloop.{module_info.name}.choices":
                raise
            continue
        found += [value for value in vars(module).values()
                  if isinstance(value, type) and issubclass(value, models.Choices)
                  and value.__module__ == module.__name__]
    return found


def lazy_text(value: object) -> str:
    with translation.override("en"):
        return str(value)


def chinese(value: object) -> str:
    with translation.override("zh-hans"):
        return str(value)


def not_chinese(labels: dict[str, object]) -> list[tuple[str, str, str]]:
    """(where, English, what zh-hans gives) for every label that does not come out in Chinese."""
    bad = []
    for where, label in labels.items():
        english, zh = lazy_text(label), chinese(label)
        if zh == english or not CJK.search(zh):
            bad.append((where, english, zh))
    return bad


def test_every_choice_label_is_chinese() -> None:
    classes = choice_classes()
    assert {c.__name__ for c in classes} >= {"Status", "Channel", "TicketType", "Urgency", "Satisfaction",
                                             "Stage", "LimitUnit", "SlaState", "AreaKind", "UnitKind", "Role"}
    labels = {f"{c.__module__}.{c.__name__}.{member.name}": member.label for c in classes for member in c}
    assert not not_chinese(labels), f"choice labels without a Chinese translation ({HOW_TO_FIX})"


def test_every_workflow_action_is_chinese() -> None:
    labels: dict[str, object] = {f"TRANSITIONS[{a!r}]": t.label for a, t in TRANSITIONS.items()}
    assert not not_chinese(labels), f"workflow labels without a Chinese translation ({HOW_TO_FIX})"
    with translation.override("zh-hans"):
        assert action_label("receive") == "已受理"
    assert chinese(TRANSITIONS["dispatch"].label) == "派单"
    assert chinese(TRANSITIONS["sign"].label) == "签收"
    assert chinese(TRANSITIONS["reopen"].label) == "重办"


def test_every_model_name_and_marked_field_name_is_chinese() -> None:
    labels: dict[str, object] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("cityloop."):
            continue
        name = model._meta.label
        for attribute in ("verbose_name", "verbose_name_plural"):
            value = getattr(model._meta, attribute)
            # Only names the model states: Django's own "<name>s" fallback plural is not a message to translate.
            if isinstance(value, Promise) and attribute in model._meta.original_attrs:
                labels[f"{name}.Meta.{attribute}"] = value
        for model_field in model._meta.get_fields(include_hidden=False):
            value = getattr(model_field, "verbose_name", None)
            if isinstance(value, Promise) and model_field.model is model:
                labels[f"{name}.{model_field.name}"] = value
    assert len(labels) > 50
    assert not not_chinese(labels), f"model and field names without a Chinese translation ({HOW_TO_FIX})"


def test_settings_point_at_this_catalogue() -> None:
    from django.conf import settings

    paths = [Path(p).resolve() for p in settings.LOCALE_PATHS]
    assert PACKAGE / "locale" in paths, \
        f"LOCALE_PATHS {paths} miss {PACKAGE / 'locale'}: Django never loads the Chinese catalogue"


@pytest.mark.parametrize(("english", "expected"), [
    ("Enter at most %(n)s characters.", "最多输入 %(n)s 个字符。"),
    ("Enter at least %(n)s characters.", "至少输入 %(n)s 个字符。"),
    ("This field is required.", "这个字段是必填项。"),
    ("Received", "已受理"),
    ("Basically satisfied", "基本满意"),
    ("handling unit", "承办单位"),
    ("citizen phone", "市民电话"),
])
def test_known_strings(english: str, expected: str) -> None:
    with translation.override("zh-hans"):
        assert translation.gettext(english) == expected
    with translation.override("en"):
        assert translation.gettext(english) == english
