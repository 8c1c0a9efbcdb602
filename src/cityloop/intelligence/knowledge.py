"""Search of the knowledge base (知识库): one in-process engine that behaves the same on SQLite and PostgreSQL.

Articles are few (thousands) and change rarely, so each process keeps a TF-IDF index over Chinese character
bigrams and jieba words of every article valid today, rebuilt when an article changes. Character n-grams
catch abbreviations and typos that word segmentation splits badly ("公积金提取" vs "提公积金"); words add
the meaning of multi-character terms.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max, Q
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from cityloop.core import clock
from cityloop.core.refreshing import Refreshing
from cityloop.intelligence.classification.text import normalise, word_analyzer
from cityloop.intelligence.models import KnowledgeArticle


@dataclass(frozen=True)
class Hit:
    article_id: int
    title: str
    score: float


@dataclass(frozen=True)
class KnowledgeIndex:
    ids: tuple[int, ...]
    titles: tuple[str, ...]
    chars: TfidfVectorizer | None
    words: TfidfVectorizer | None
    matrix: sparse.csr_matrix | None
    day: dt.date

    @classmethod
    def build(cls) -> "KnowledgeIndex":
        today = clock.now().date()
        articles = list(
            KnowledgeArticle.objects.filter(active=True)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
            .values_list("pk", "title", "question", "answer"))
        if not articles:
            return cls((), (), None, None, None, today)
        # The title and typical questions say what an article answers; the answer's start adds its terms.
        documents = [normalise(f"{title} {title} {question} {answer[:200]}") for _, title, question, answer in articles]
        chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        words = TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True)
        matrix = sparse.hstack([chars.fit_transform(documents), words.fit_transform(documents)]).tocsr()
        return cls(tuple(a[0] for a in articles), tuple(a[1] for a in articles), chars, words, matrix, today)

    def search(self, text: str, limit: int = 5) -> list[Hit]:
        text = normalise(text)
        if self.matrix is None or self.chars is None or self.words is None or not text:
            return []
        query = sparse.hstack([self.chars.transform([text]), self.words.transform([text])]).tocsr()
        scores = (self.matrix @ query.T).toarray().ravel() / 2  # each half is unit-length: scale to [0, 1]
        best = np.argsort(-scores)[:limit]
        return [Hit(self.ids[i], self.titles[i], round(float(scores[i]), 3)) for i in best if scores[i] > 0]


def _signature() -> tuple[object, ...]:
    stats = KnowledgeArticle.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    return stats["n"], stats["changed"], clock.now().date()  # a new day may start or end an article's validity


_index = Refreshing(KnowledgeIndex.build, _signature)


def knowledge_search(text: str, limit: int = 5) -> list[Hit]:
    """The articles that best answer `text`, best first, with a similarity score in [0, 1]."""
    return _index.get().search(text, limit)


def reset_knowledge_index() -> None:
    _index.reset()
