"""The intake text classifier: one class, parameterised by the label it predicts (category, type, urgency …).

Model: an ensemble of two linear models over the same vocabulary (TF-IDF character 1–3-grams plus jieba word
unigrams):
  * a linear SVM on the TF-IDF values, trained on the labelled titles (+ detail), optional auxiliary
    labelled texts (e.g. message details) and the names of the category tree below each label (taxonomy), extended
    by class-balanced co-training on unlabelled messages (labelled from title + detail, learned as title and
    detail texts);
  * an NB-SVM (Wang & Manning 2012): per class, one-vs-rest linear SVM on binary term presence scaled by the
    term's naive-Bayes log-count ratio, trained on the labelled and auxiliary texts. It weighs rare but
    class-specific terms differently from TF-IDF, so the two make different mistakes.
Their margins are mixed with a share chosen by cross-validation on the training data. Cross-validation leaves
an auxiliary text out together with the title it belongs to (`aux_titles`), else a held-out title's own detail
would be trained on. tipdm2020c benchmark, 5-fold CV inside its train part, macro-F1: char TF-IDF + LinearSVC
baseline 0.866; this model without co-training 0.881, with co-training at 0.5 of each class's count 0.885, at
1.0 0.888, plus the taxonomy texts 0.890 (on the test part: 0.8985 before these changes, 0.9031 after).
Duplicate texts with conflicting labels are reduced to their majority label (label noise). The mixed margins are
turned into probabilities by temperature scaling fitted on cross-validated margins, so `confidence` is
calibrated and the argmax is unchanged. What else was measured, and why it was not adopted: docs/adr/0008.
"""

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import os
import shutil
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from cityloop.intelligence.classification.errors import InputError, ModelFormatError, gettext_noop
from cityloop.intelligence.classification.text import compose, normalise, word_analyzer

# 2: adds the NB-SVM arrays (nb_coef, nb_intercept) and meta "nb_share"; version 1 files load without them.
# 3: meta "config" gains "taxonomy_weight" (an older CityLoop could not read it); the arrays are as in version 2,
#    and version 1 and 2 files load unchanged.
FORMAT_VERSION = 3
MODEL_FILE = "model.skops"
META_FILE = "meta.json"

# Types skops does not trust by default that a model file of this format may contain: none. The file holds
# only dicts, lists, strings, numbers and numpy arrays; anything else in a file is refused on load.
TRUSTED_TYPES: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClassifierConfig:
    """Hyper-parameters; the defaults are the ones chosen on a validation split carved from training data."""

    char_ngram_max: int = 3
    word_features: bool = True
    c: float = 1.0
    aux_weight: float = 1.0
    # Weight of the taxonomy texts (the names below a label in the category tree, see `fit`).
    taxonomy_weight: float = 1.0
    # Co-training on unlabelled (title, detail) messages: they are labelled from title + detail together (the
    # richer view); per class, the most confident ones up to this fraction of the class's labelled count are
    # added (class-balanced, so skewed unlabelled traffic does not pull everything into the biggest class) as
    # a title-only and a detail-only training text, which teaches the title model the detail's vocabulary.
    # 1.0 rather than 0.5: cross-validated macro-F1 0.8850 → 0.8880 on tipdm2020c (2.0: 0.8875).
    self_training_fraction: float = 1.0
    self_training_weight: float = 0.5
    # NB-SVM ensemble member (see the module docstring); its C and the naive-Bayes smoothing of the term counts.
    nb_svm: bool = True
    nb_c: float = 0.1
    nb_alpha: float = 1.0
    calibration_folds: int = 5
    seed: int = 20200


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float


@dataclass
class TrainingReport:
    n_rows: int
    n_unique_texts: int
    n_conflicting_duplicates: int
    n_aux: int
    n_self_training: int
    class_counts: dict[str, int]
    cv_accuracy: float | None = None
    cv_macro_f1: float | None = None
    temperature: float = 1.0
    nb_share: float = 0.0
    ece_before: float | None = None
    ece_after: float | None = None
    n_taxonomy: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def expected_calibration_error(probabilities: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    confidence = probabilities.max(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            total += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(total)


def _fit_temperature(scores: np.ndarray, targets: np.ndarray) -> float:
    def nll(log_t: float) -> float:
        probabilities = _softmax(scores / np.exp(log_t))
        return float(-np.log(probabilities[np.arange(len(targets)), targets] + 1e-12).mean())

    result = minimize_scalar(nll, bounds=(-6.0, 4.0), method="bounded")
    return float(np.exp(result.x))


# Candidate shares of the NB-SVM in the mixed margins; cross-validation on the training data picks one.
NB_SHARES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
# Share used when there are too few examples per class to cross-validate.
DEFAULT_NB_SHARE = 0.5


def _taxonomy_texts(taxonomy: Iterable[Sequence[str]], labels: set[str]) -> list[tuple[str, str]]:
    """(text, label) per distinct taxonomy path that has a known label on it: the names below the deepest label
    on the path, joined by spaces. Paths ending at a label, and paths without a known label, give nothing."""
    texts: dict[tuple[str, str], None] = {}
    for path in taxonomy:
        names = [normalise(str(name)) for name in path]
        positions = [i for i, name in enumerate(names) if name in labels]
        if positions:
            below = " ".join(name for name in names[positions[-1] + 1 :] if name)
            if below:
                texts[(below, names[positions[-1]])] = None
    return list(texts)


def _hash_rows(rows: Iterable[Sequence[str]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        for value in row:
            digest.update(value.encode("utf-8"))
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()


def _margins(scores: np.ndarray) -> np.ndarray:
    """LinearSVC gives one score for two classes (that of classes_[1]): as a vector from decision_function, as
    one column from `x @ coef.T`; make it one column per class."""
    scores = np.asarray(scores)
    if scores.ndim == 1 or scores.shape[1] == 1:
        scores = scores.reshape(-1)
        return np.c_[-scores, scores] / 2
    return scores


@dataclass
class _Fitted:
    """One training run as plain arrays: the TF-IDF SVM and the NB-SVM (rows of both in `classes` order)."""

    classes: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    nb_coef: np.ndarray
    nb_intercept: np.ndarray
    n_self_training: int = 0

    def scores(self, x: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """(SVM margins, NB-SVM margins) of TF-IDF rows `x`; the NB-SVM sees only which terms are present."""
        svm = _margins(np.asarray(x @ self.coef.T) + self.intercept)
        return svm, np.asarray(x.sign() @ self.nb_coef.T) + self.nb_intercept


@dataclass
class _FastState:
    """Built lazily for one-ticket prediction, not saved: per vectorizer (analyzer, vocabulary, idf, column
    offset), and coefficients transposed (rows = features) so that a ticket's few features are a row gather."""

    parts: list[tuple[Any, dict[str, int], np.ndarray, int]]
    coef_t: np.ndarray
    intercept: np.ndarray
    nb_coef_t: np.ndarray
    nb_intercept: np.ndarray


@dataclass
class _Design:
    """Labelled rows (used for calibration) and extra weighted blocks (auxiliary, pseudo-labelled)."""

    x: sp.csr_matrix
    y: np.ndarray
    extra_x: list[sp.csr_matrix] = field(default_factory=list)
    extra_y: list[np.ndarray] = field(default_factory=list)
    extra_w: list[np.ndarray] = field(default_factory=list)
    # Per extra row, the labelled row it belongs to (e.g. the title of a detail text), or -1: in cross-validation
    # an extra row whose owner is held out is left out too, or its label would leak into the held-out fold.
    extra_owner: list[np.ndarray] = field(default_factory=list)

    def add(self, x: sp.csr_matrix, y: np.ndarray, weight: float, owner: np.ndarray | None = None) -> None:
        self.extra_x.append(x)
        self.extra_y.append(y)
        self.extra_w.append(np.full(x.shape[0], weight))
        self.extra_owner.append(np.full(x.shape[0], -1) if owner is None else np.asarray(owner))

    def blocks(self, rows: np.ndarray | None) -> tuple[list[sp.csr_matrix], list[np.ndarray], list[np.ndarray]]:
        """The extra blocks usable when training on labelled `rows` (all when None): rows owned by a labelled
        row outside `rows` are dropped."""
        if rows is None:
            return self.extra_x, self.extra_y, self.extra_w
        kept = np.zeros(self.x.shape[0] + 1, dtype=bool)
        kept[rows] = True
        kept[-1] = True  # owner -1: no owner, always kept
        blocks: tuple[list[sp.csr_matrix], list[np.ndarray], list[np.ndarray]] = ([], [], [])
        for x, y, w, owner in zip(self.extra_x, self.extra_y, self.extra_w, self.extra_owner, strict=True):
            keep = kept[owner]
            blocks[0].append(x[keep])
            blocks[1].append(y[keep])
            blocks[2].append(w[keep])
        return blocks


def _vectorizer_state(vectorizer: TfidfVectorizer) -> dict[str, Any]:
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    encoded = [term.encode("utf-8") for term in terms]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(item) for item in encoded])
    return {
        "analyzer": "word" if callable(vectorizer.analyzer) else str(vectorizer.analyzer),
        "ngram_max": int(vectorizer.ngram_range[1]),
        "terms": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
        "offsets": offsets,
        "idf": np.asarray(vectorizer.idf_, dtype=np.float64),
    }


def _vectorizer_from_state(state: dict[str, Any]) -> TfidfVectorizer:
    data = np.asarray(state["terms"], dtype=np.uint8).tobytes()
    offsets = np.asarray(state["offsets"], dtype=np.int64)
    terms = [data[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)]
    if state["analyzer"] == "word":
        vectorizer = TfidfVectorizer(analyzer=word_analyzer, dtype=np.float64)
    elif state["analyzer"] == "char":
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, int(state["ngram_max"])), dtype=np.float64)
    else:
        raise ValueError(f"unknown analyzer {state['analyzer']!r}")
    idf = np.asarray(state["idf"], dtype=np.float64)
    if len(idf) != len(terms):
        raise ValueError("vocabulary and idf lengths differ")
    vectorizer.vocabulary_ = {term: i for i, term in enumerate(terms)}
    vectorizer.idf_ = idf
    return vectorizer


@dataclass
class _Pool:
    """Unlabelled messages: `joined` rows (title + detail) and, per message, its rows in `views`."""

    joined: sp.csr_matrix
    views: sp.csr_matrix
    view_rows: list[np.ndarray]


def _version() -> str:
    from cityloop import __version__

    return __version__


def check_model_target(directory: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """Refuse a model directory that cannot be written, before any (long) training starts."""
    target = Path(directory)
    if target.exists():
        is_model = (target / META_FILE).is_file()
        if target.is_file() or (any(target.iterdir()) and not (overwrite and is_model)):
            if is_model:
                raise InputError(
                    gettext_noop("The model directory %(path)s already exists; choose another or pass --overwrite."),
                    path=str(target),
                )
            raise InputError(
                gettext_noop("The output %(path)s already exists and is not an empty directory or a model."),
                path=str(target),
            )
    if not target.parent.is_dir():
        raise InputError(gettext_noop("The output directory %(path)s does not exist."), path=str(target.parent))
    return target


class TextClassifier:
    """Classify ticket texts into one label set; `label_field` names what it predicts (stored in meta.json)."""

    def __init__(self, label_field: str = "category", config: ClassifierConfig | None = None) -> None:
        self.label_field = label_field
        self.config = config or ClassifierConfig()
        self.vectorizers: list[TfidfVectorizer] = []
        # The trained linear model as plain arrays (what is saved): classes, coef (classes × features), intercept.
        self.classes_: np.ndarray | None = None
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None
        # The NB-SVM (classes × features, over binary term presence) and its share in the mixed margins.
        self.nb_coef_: np.ndarray | None = None
        self.nb_intercept_: np.ndarray | None = None
        self.nb_share = 0.0
        self.temperature = 1.0
        self.report: TrainingReport | None = None
        self.data_sha256 = ""
        self.meta: dict[str, Any] = {}
        self._fast: _FastState | None = None

    # ---------------------------------------------------------------- features
    def _new_vectorizers(self) -> list[TfidfVectorizer]:
        vectorizers = [TfidfVectorizer(analyzer="char", ngram_range=(1, self.config.char_ngram_max), dtype=np.float64)]
        if self.config.word_features:
            vectorizers.append(TfidfVectorizer(analyzer=word_analyzer, dtype=np.float64))
        return vectorizers

    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack([vectorizer.transform(texts) for vectorizer in self.vectorizers], format="csr")

    def _new_svm(self) -> LinearSVC:
        return LinearSVC(C=self.config.c, random_state=self.config.seed)

    @property
    def labels(self) -> list[str]:
        if self.classes_ is None:
            return []
        return [str(label) for label in self.classes_]

    # ---------------------------------------------------------------- training
    def fit(
        self,
        titles: Sequence[str],
        labels: Sequence[str],
        details: Sequence[str] | None = None,
        *,
        aux_texts: Sequence[str] = (),
        aux_labels: Sequence[str] = (),
        aux_titles: Sequence[str] | None = None,
        unlabelled_pairs: Sequence[tuple[str, str]] = (),
        taxonomy: Sequence[Sequence[str]] = (),
    ) -> TrainingReport:
        """Train.

        `aux_texts/aux_labels` are extra labelled texts of another kind (e.g. message details, taxonomy names):
        trained on with `aux_weight` but never used for calibration or metrics. `aux_titles`, if given, names
        the labelled title each auxiliary text belongs to (e.g. a detail's own title): cross-validation then
        leaves an auxiliary text out together with its title, so the cross-validated figures do not see it.
        `taxonomy` is the category tree as paths of names from the top (e.g. 一级/二级/三级分类 rows): each path
        with a known label on it becomes a training text made of the names below that label, labelled with it
        (e.g. "住房保障与房地产 物业管理" → 城乡建设), weighted by `taxonomy_weight`. `unlabelled_pairs` are
        (title, detail) messages without labels, used for co-training (see ClassifierConfig).
        """
        if len(titles) != len(labels) or (details is not None and len(details) != len(titles)):
            raise ValueError("titles, labels and details must have the same length")
        if len(aux_texts) != len(aux_labels) or (aux_titles is not None and len(aux_titles) != len(aux_texts)):
            raise ValueError("aux_texts, aux_labels and aux_titles must have the same length")
        detail_list = list(details) if details is not None else [""] * len(titles)
        texts = [compose(title, detail) for title, detail in zip(titles, detail_list, strict=True)]
        clean_labels = [normalise(label) for label in labels]

        # Identical texts with different labels are label noise: keep each text once, with its majority label.
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for text, label in zip(texts, clean_labels, strict=True):
            if text:
                votes[text][label] += 1
        unique_texts = list(votes)
        unique_labels = [max(sorted(votes[text].items()), key=lambda item: item[1])[0] for text in unique_texts]
        class_counts = Counter(unique_labels)
        if len(class_counts) < 2:
            raise InputError(
                gettext_noop("Training needs at least two different labels; found %(count)d."), count=len(class_counts)
            )

        label_set = set(class_counts)
        owner_of = {text: i for i, text in enumerate(unique_texts)}
        aux_owner_titles = list(aux_titles) if aux_titles is not None else [""] * len(aux_texts)
        aux = [
            (compose(text), normalise(label), owner_of.get(compose(title), -1))
            for text, label, title in zip(aux_texts, aux_labels, aux_owner_titles, strict=True)
        ]
        aux = [(text, label, owner) for text, label, owner in aux if text and label in label_set]
        taxonomy_texts = _taxonomy_texts(taxonomy, label_set)

        self._fast = None
        self.vectorizers = self._new_vectorizers()
        for vectorizer in self.vectorizers:
            vectorizer.fit(unique_texts)
        design = _Design(x=self._features(unique_texts), y=np.array(unique_labels))
        if aux:
            design.add(
                self._features([text for text, _, _ in aux]),
                np.array([label for _, label, _ in aux]),
                self.config.aux_weight,
                np.array([owner for _, _, owner in aux]),
            )
        if taxonomy_texts:
            design.add(
                self._features([text for text, _ in taxonomy_texts]),
                np.array([label for _, label in taxonomy_texts]),
                self.config.taxonomy_weight,
            )

        pool = self._unlabelled_pool(unlabelled_pairs) if self.config.self_training_fraction > 0 else None
        report = TrainingReport(
            n_rows=len(texts),
            n_unique_texts=len(unique_texts),
            n_conflicting_duplicates=sum(1 for counter in votes.values() if len(counter) > 1),
            n_aux=len(aux),
            n_self_training=0,
            class_counts=dict(sorted(class_counts.items())),
            n_taxonomy=len(taxonomy_texts),
        )
        self._calibrate(design, pool, report)
        fitted = self._train_pipeline(design, None, pool)
        report.n_self_training = fitted.n_self_training
        self.classes_ = np.array([str(label) for label in fitted.classes])
        self.coef_, self.intercept_ = fitted.coef, fitted.intercept
        self.nb_coef_, self.nb_intercept_ = fitted.nb_coef, fitted.nb_intercept

        self.report = report
        self.data_sha256 = _hash_rows(
            [
                *([t, d, lab] for t, d, lab in zip(titles, detail_list, labels, strict=True)),
                ["aux"],
                *([t, lab] for t, lab in zip(aux_texts, aux_labels, strict=True)),
                ["aux_titles"],
                *([t] for t in aux_titles or ()),
                ["unlabelled"],
                *([t, d] for t, d in unlabelled_pairs),
                ["taxonomy"],
                *([str(name) for name in path] for path in taxonomy),
            ]
        )
        return report

    def _train(self, design: "_Design", rows: np.ndarray | None, extra: "_Design | None" = None) -> LinearSVC:
        """Fit on the labelled rows (all, or `rows`), every extra block of `design`, and `extra`'s blocks."""
        x, y = (design.x, design.y) if rows is None else (design.x[rows], design.y[rows])
        own_x, own_y, own_w = design.blocks(rows)
        blocks_x = [*own_x, *(extra.extra_x if extra else [])]
        blocks_y = [*own_y, *(extra.extra_y if extra else [])]
        blocks_w = [*own_w, *(extra.extra_w if extra else [])]
        if not blocks_x:
            return self._new_svm().fit(x, y)
        return self._new_svm().fit(
            sp.vstack([x, *blocks_x], format="csr"),
            np.concatenate([y, *blocks_y]),
            sample_weight=np.concatenate([np.ones(x.shape[0]), *blocks_w]),
        )

    def _train_nb(
        self, design: "_Design", rows: np.ndarray | None, classes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """NB-SVM on the labelled rows (all, or `rows`) and the extra blocks of `design` (not pseudo-labels:
        they did not help it in cross-validation). Returns coefficients over binary features and intercepts."""
        x, y = (design.x, design.y) if rows is None else (design.x[rows], design.y[rows])
        own_x, own_y, own_w = design.blocks(rows)
        present = sp.vstack([x, *own_x], format="csr").sign()
        y = np.concatenate([y, *own_y])
        weight = np.concatenate([np.ones(x.shape[0]), *own_w])
        coef = np.zeros((len(classes), x.shape[1]))
        intercept = np.zeros(len(classes))
        if not self.config.nb_svm:
            return coef, intercept
        alpha = self.config.nb_alpha
        for i, label in enumerate(classes):
            positive = y == label
            # Log-count ratio: how much more often a term occurs in this class than in the others (smoothed).
            in_class = alpha + present[positive].T @ weight[positive]
            elsewhere = alpha + present[~positive].T @ weight[~positive]
            ratio = np.log(in_class / in_class.sum()) - np.log(elsewhere / elsewhere.sum())
            svm = LinearSVC(C=self.config.nb_c, random_state=self.config.seed).fit(
                present @ sp.diags(ratio), positive, sample_weight=weight
            )
            # Folding the ratio into the weights keeps prediction one linear model over term presence.
            coef[i] = svm.coef_[0] * ratio
            intercept[i] = svm.intercept_[0]
        return coef, intercept

    def _train_pipeline(self, design: "_Design", rows: np.ndarray | None, pool: "_Pool | None") -> _Fitted:
        """The whole training method on (a subset of) the labelled rows: base fit, co-training, NB-SVM."""
        svm, n_self_training = self._train_svm(design, rows, pool)
        nb_coef, nb_intercept = self._train_nb(design, rows, svm.classes_)
        return _Fitted(
            classes=svm.classes_,
            coef=np.asarray(svm.coef_, dtype=np.float64),
            intercept=np.asarray(svm.intercept_, dtype=np.float64),
            nb_coef=nb_coef,
            nb_intercept=nb_intercept,
            n_self_training=n_self_training,
        )

    def _train_svm(self, design: "_Design", rows: np.ndarray | None, pool: "_Pool | None") -> tuple[LinearSVC, int]:
        """The TF-IDF SVM: base fit, then co-training on the unlabelled pool."""
        svm = self._train(design, rows)
        if pool is None:
            return svm, 0
        y = design.y if rows is None else design.y[rows]
        scores = _margins(svm.decision_function(pool.joined))
        ordered = np.sort(scores, axis=1)
        margin = ordered[:, -1] - ordered[:, -2]
        pseudo = svm.classes_[scores.argmax(axis=1)]
        counts = Counter(y.tolist())
        chosen: list[int] = []
        for label in svm.classes_:
            index = np.flatnonzero(pseudo == label)
            quota = int(self.config.self_training_fraction * counts[label])
            # Stable sort so that ties keep input order: training stays deterministic.
            chosen.extend(index[np.argsort(-margin[index], kind="stable")][:quota].tolist())
        if not chosen:
            return svm, 0
        chosen.sort()
        extra = _Design(x=pool.views[:0], y=np.array([], dtype=object))
        view_rows = np.concatenate([pool.view_rows[i] for i in chosen])
        view_labels = np.concatenate([np.full(len(pool.view_rows[i]), pseudo[i], dtype=object) for i in chosen])
        extra.add(pool.views[view_rows], view_labels.astype(y.dtype), self.config.self_training_weight)
        return self._train(design, rows, extra), len(chosen)

    def _unlabelled_pool(self, pairs: Sequence[tuple[str, str]]) -> "_Pool | None":
        """Features of unlabelled messages: title + detail together (to label them) and each view alone."""
        seen: set[str] = set()
        joined: list[str] = []
        views: list[str] = []
        view_rows: list[np.ndarray] = []
        for title, detail in pairs:
            text = compose(title, detail)
            if not text or text in seen:
                continue
            seen.add(text)
            joined.append(text)
            own = [view for view in (compose(title), compose(detail)) if view]
            view_rows.append(np.arange(len(views), len(views) + len(own)))
            views.extend(own)
        if not joined:
            return None
        return _Pool(joined=self._features(joined), views=self._features(views), view_rows=view_rows)

    def _calibrate(self, design: "_Design", pool: "_Pool | None", report: TrainingReport) -> None:
        """Cross-validate the whole method: honest training metrics, and margins to fit the temperature on."""
        y = design.y
        folds = min(self.config.calibration_folds, *Counter(y.tolist()).values())
        if folds < 2:
            # Too few examples per class to cross-validate: a fixed mix and a plain softmax of the margins.
            self.nb_share = DEFAULT_NB_SHARE if self.config.nb_svm else 0.0
            self.temperature = 1.0
            return
        classes = np.array(sorted(set(y.tolist())))
        column = {label: i for i, label in enumerate(classes)}
        svm_scores = np.zeros((len(y), len(classes)))
        nb_scores = np.zeros((len(y), len(classes)))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.config.seed)
        for train_index, test_index in splitter.split(np.zeros(len(y)), y):
            fitted = self._train_pipeline(design, train_index, pool)
            fold_svm, fold_nb = fitted.scores(design.x[test_index])
            for j, label in enumerate(fitted.classes):
                svm_scores[test_index, column[label]] = fold_svm[:, j]
                nb_scores[test_index, column[label]] = fold_nb[:, j]
        # The NB-SVM share with the best cross-validated macro-F1 (the smallest one on a tie).
        shares = NB_SHARES if self.config.nb_svm else (0.0,)
        f1s = [
            f1_score(y, classes[((1 - share) * svm_scores + share * nb_scores).argmax(axis=1)], average="macro")
            for share in shares
        ]
        self.nb_share = float(shares[int(np.argmax(f1s))])
        scores = (1 - self.nb_share) * svm_scores + self.nb_share * nb_scores
        predicted = classes[scores.argmax(axis=1)]
        report.cv_accuracy = float(accuracy_score(y, predicted))
        report.cv_macro_f1 = float(f1_score(y, predicted, average="macro"))
        self.temperature = _fit_temperature(scores, np.searchsorted(classes, y))
        correct = predicted == y
        report.nb_share = self.nb_share
        report.temperature = self.temperature
        report.ece_before = expected_calibration_error(_softmax(scores), correct)
        report.ece_after = expected_calibration_error(_softmax(scores / self.temperature), correct)

    # ---------------------------------------------------------------- prediction
    def _fitted(self) -> _Fitted:
        if self.classes_ is None or self.coef_ is None or self.intercept_ is None:
            raise RuntimeError("the classifier is not trained")
        if self.nb_coef_ is None or self.nb_intercept_ is None:
            raise RuntimeError("the classifier is not trained")
        return _Fitted(self.classes_, self.coef_, self.intercept_, self.nb_coef_, self.nb_intercept_)

    def _scores(self, x: sp.csr_matrix) -> np.ndarray:
        svm, nb = self._fitted().scores(x)
        return (1 - self.nb_share) * svm + self.nb_share * nb

    def predict_proba(self, titles: Sequence[str], details: Sequence[str] | None = None) -> np.ndarray:
        """Calibrated probabilities, columns in the order of `labels`."""
        detail_list = list(details) if details is not None else [""] * len(titles)
        texts = [compose(title, detail) for title, detail in zip(titles, detail_list, strict=True)]
        return _softmax(self._scores(self._features(texts)) / self.temperature)

    def predict(self, titles: Sequence[str], details: Sequence[str] | None = None) -> list[Prediction]:
        probabilities = self.predict_proba(titles, details)
        labels = self.labels
        best = probabilities.argmax(axis=1)
        return [Prediction(labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]

    def predict_one(self, title: str, detail: str = "") -> Prediction:
        """One ticket at intake: the same numbers as `predict`, without sparse-matrix overhead (~10x faster)."""
        probabilities = _softmax(self._fast_scores(compose(title, detail))[np.newaxis, :] / self.temperature)[0]
        best = int(probabilities.argmax())
        return Prediction(self.labels[best], float(probabilities[best]))

    def predict_top(self, title: str, detail: str = "", k: int = 3) -> list[Prediction]:
        """One ticket's `k` most likely labels, best first (the fast path of `predict_one`)."""
        probabilities = _softmax(self._fast_scores(compose(title, detail))[np.newaxis, :] / self.temperature)[0]
        best = np.argsort(-probabilities, kind="stable")[:k]
        return [Prediction(self.labels[int(i)], float(probabilities[i])) for i in best]

    def _fast_state(self) -> _FastState:
        if self._fast is None:
            fitted = self._fitted()
            parts = []
            offset = 0
            for vectorizer in self.vectorizers:
                parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset))
                offset += len(vectorizer.vocabulary_)
            self._fast = _FastState(
                parts,
                np.ascontiguousarray(fitted.coef.T),
                fitted.intercept,
                np.ascontiguousarray(fitted.nb_coef.T),
                fitted.nb_intercept,
            )
        return self._fast

    def _fast_scores(self, text: str) -> np.ndarray:
        """TF-IDF (raw counts × idf, L2 per vectorizer, as TfidfVectorizer does) and mixed margins for one text."""
        fast = self._fast_state()
        indices: list[int] = []
        values: list[float] = []
        for analyzer, vocabulary, idf, offset in fast.parts:
            counts = Counter(analyzer(text))
            local_indices = []
            local_values = []
            for term, count in counts.items():
                index = vocabulary.get(term)
                if index is not None:
                    local_indices.append(index)
                    local_values.append(count * idf[index])
            norm = float(np.sqrt(np.dot(local_values, local_values))) if local_values else 0.0
            if norm > 0:
                indices.extend(offset + i for i in local_indices)
                values.extend(v / norm for v in local_values)
        svm = np.asarray(values) @ fast.coef_t[indices] + fast.intercept if indices else fast.intercept.copy()
        if len(fast.intercept) == 1:
            svm = _margins(svm)[0]
        nb = fast.nb_coef_t[indices].sum(axis=0) + fast.nb_intercept
        return (1 - self.nb_share) * svm + self.nb_share * nb

    def evaluate(
        self, titles: Sequence[str], labels: Sequence[str], details: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Accuracy, macro-F1, per-class F1 and calibration error on labelled data."""
        predictions = self.predict(titles, details)
        truth = [normalise(label) for label in labels]
        predicted = [prediction.label for prediction in predictions]
        class_names = sorted(set(truth) | set(self.labels))
        per_class = f1_score(truth, predicted, labels=class_names, average=None, zero_division=0)
        correct = np.array([p == t for p, t in zip(predicted, truth, strict=True)])
        confidence = np.array([[prediction.confidence] for prediction in predictions])
        return {
            "n": len(truth),
            "accuracy": float(accuracy_score(truth, predicted)),
            "macro_f1": float(f1_score(truth, predicted, labels=class_names, average="macro", zero_division=0)),
            "per_class_f1": {name: float(value) for name, value in zip(class_names, per_class, strict=True)},
            "ece": expected_calibration_error(confidence, correct),
            "unknown_labels": sorted(set(truth) - set(self.labels)),
        }

    # ---------------------------------------------------------------- persistence
    def save(
        self, directory: str | os.PathLike[str], *, overwrite: bool = False, extra_meta: dict[str, Any] | None = None
    ) -> Path:
        """Write model.skops + meta.json into a fresh directory, then move it into place."""
        import skops.io as sio

        fitted = self._fitted()
        target = check_model_target(directory, overwrite=overwrite)
        extra = dict(extra_meta or {})
        self.meta = {
            "format_version": FORMAT_VERSION,
            "cityloop_version": _version(),
            "label_field": self.label_field,
            "labels": self.labels,
            "training_data_sha256": self.data_sha256,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "config": asdict(self.config),
            "temperature": self.temperature,
            "nb_share": self.nb_share,
            "training": asdict(self.report) if self.report else {},
            "metrics": {
                "cv_accuracy": self.report.cv_accuracy if self.report else None,
                "cv_macro_f1": self.report.cv_macro_f1 if self.report else None,
                "ece": self.report.ece_after if self.report else None,
                **extra.pop("metrics", {}),
            },
            **extra,
        }
        # Plain arrays only (no pickled estimators or function references): small, fast to load, and the set
        # of types a model file may contain stays tiny. Vocabularies are UTF-8 bytes + offsets, not a dict.
        state = {
            "vectorizers": [_vectorizer_state(vectorizer) for vectorizer in self.vectorizers],
            "classes": fitted.classes,
            "coef": fitted.coef,
            "intercept": fitted.intercept,
            "nb_coef": fitted.nb_coef,
            "nb_intercept": fitted.nb_intercept,
        }
        # mkdir (not mkdtemp) so that the directory gets the usual umask permissions, not 0700.
        staging = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
        staging.mkdir()
        try:
            sio.dump(state, staging / MODEL_FILE, compression=zipfile.ZIP_DEFLATED)
            (staging / META_FILE).write_text(json.dumps(self.meta, ensure_ascii=False, indent=2), encoding="utf-8")
            if target.exists():
                # Move the old model aside first so that a failure leaves one complete model, never a mixture.
                backup = target.parent / f".{target.name}.old-{os.getpid()}"
                target.rename(backup)
                staging.rename(target)
                shutil.rmtree(backup, ignore_errors=True)
            else:
                staging.rename(target)
        except BaseException:
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
            raise
        return target

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> "TextClassifier":
        """Load a saved model; refuse newer format versions and any type outside TRUSTED_TYPES."""
        import skops.io as sio

        path = Path(directory)
        meta_path = path / META_FILE
        model_path = path / MODEL_FILE
        if not meta_path.is_file() or not model_path.is_file():
            raise ModelFormatError(
                gettext_noop("%(path)s is not a classifier model directory (meta.json or model.skops missing)."),
                path=str(path),
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            version = int(meta["format_version"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelFormatError(
                gettext_noop("%(path)s has a damaged meta.json: %(error)s"), path=str(meta_path), error=str(exc)
            ) from exc
        if version > FORMAT_VERSION:
            raise ModelFormatError(
                gettext_noop(
                    "The model in %(path)s has format version %(found)d, newer than the version %(supported)d this "
                    "CityLoop supports (it was made by CityLoop %(made_by)s); upgrade CityLoop to use it."
                ),
                path=str(path),
                found=version,
                supported=FORMAT_VERSION,
                made_by=str(meta.get("cityloop_version", "?")),
            )
        if version < 1:
            raise ModelFormatError(
                gettext_noop("%(path)s has an invalid format version %(found)d."), path=str(path), found=version
            )
        try:
            untrusted = sio.get_untrusted_types(file=model_path)
        except Exception as exc:  # skops raises assorted errors on damaged zip/schema
            raise ModelFormatError(
                gettext_noop("%(path)s is damaged: %(error)s"), path=str(model_path), error=str(exc)
            ) from exc
        unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if unexpected:
            raise ModelFormatError(
                gettext_noop("%(path)s contains types that are not trusted: %(types)s."),
                path=str(model_path),
                types=", ".join(unexpected),
            )
        state = sio.load(model_path, trusted=list(untrusted))
        model = cls(
            label_field=str(meta.get("label_field", "category")), config=ClassifierConfig(**meta.get("config", {}))
        )
        try:
            model.vectorizers = [_vectorizer_from_state(item) for item in state["vectorizers"]]
            model.classes_ = np.asarray(state["classes"]).astype(str)
            model.coef_ = np.asarray(state["coef"], dtype=np.float64)
            model.intercept_ = np.asarray(state["intercept"], dtype=np.float64)
            if version >= 2:
                model.nb_coef_ = np.asarray(state["nb_coef"], dtype=np.float64)
                model.nb_intercept_ = np.asarray(state["nb_intercept"], dtype=np.float64)
                model.nb_share = float(meta["nb_share"])
            else:
                # Version 1 had the TF-IDF SVM alone: an NB-SVM with zero weights and share predicts the same.
                model.nb_coef_ = np.zeros((len(model.classes_), model.coef_.shape[1]))
                model.nb_intercept_ = np.zeros(len(model.classes_))
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
            raise ModelFormatError(
                gettext_noop("%(path)s is damaged: %(error)s"), path=str(model_path), error=str(exc)
            ) from exc
        n_features = sum(len(vectorizer.vocabulary_) for vectorizer in model.vectorizers)
        if model.coef_.shape != (len(model.intercept_), n_features) or model.nb_coef_.shape != (
            len(model.classes_),
            n_features,
        ):
            raise ModelFormatError(
                gettext_noop("%(path)s is damaged: %(error)s"), path=str(model_path), error="coefficient shape"
            )
        model.temperature = float(meta.get("temperature", 1.0))
        model.data_sha256 = str(meta.get("training_data_sha256", ""))
        model.meta = meta
        return model
