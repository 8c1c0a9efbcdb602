"""Knowledge-base search on the demo articles: top-1 and top-3 hit rate over question → article pairs.

The demo knowledge base (src/cityloop/demo/knowledge.py) is loaded into a temporary SQLite database; each
question of benchmarks/knowledge/pairs.py is searched with `knowledge_search` (the platform's engine) and, in
the same run, with a baseline: the article whose title + typical questions + answer shares the most character
bigrams with the question (overlap divided by the question's bigram count; ties by article order).

Run: .venv/bin/python benchmarks/knowledge/bench_knowledge.py
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if ch.isalnum())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="cityloop-knowledge-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ["CITYLOOP_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from pairs import PAIRS

    from cityloop.demo.knowledge import knowledge_load_demo
    from cityloop.intelligence.knowledge import knowledge_search
    from cityloop.intelligence.models import KnowledgeArticle

    call_command("migrate", verbosity=0)
    created, _ = knowledge_load_demo()
    assert knowledge_load_demo() == (0, 0)  # idempotent
    articles = list(KnowledgeArticle.objects.order_by("pk").values_list("title", "question", "answer"))
    bags = [(title, bigrams(f"{title} {question} {answer}")) for title, question, answer in articles]
    knowledge_search("预热")  # build the index outside the timing
    hits = {"platform": [0, 0], "baseline": [0, 0]}
    started = time.perf_counter()
    for question, title in PAIRS:
        found = [h.title for h in knowledge_search(question, limit=3)]
        hits["platform"][0] += found[:1] == [title]
        hits["platform"][1] += title in found
    per_query = (time.perf_counter() - started) / len(PAIRS) * 1000
    for question, title in PAIRS:
        q = bigrams(question)
        ranked = sorted(bags, key=lambda bag: -len(q & bag[1]) / max(len(q), 1))
        found = [t for t, _ in ranked[:3]]
        hits["baseline"][0] += found[:1] == [title]
        hits["baseline"][1] += title in found
    n = len(PAIRS)
    print(f"{created} articles, {n} question → article pairs")
    print(f"baseline (char-bigram overlap)   top-1 {hits['baseline'][0] / n:.4f}  top-3 {hits['baseline'][1] / n:.4f}")
    print(f"knowledge_search (TF-IDF)        top-1 {hits['platform'][0] / n:.4f}  top-3 {hits['platform'][1] / n:.4f}"
          f"  ({per_query:.2f} ms/query)")


if __name__ == "__main__":
    main()
