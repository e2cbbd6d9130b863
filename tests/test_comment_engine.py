"""The comment engine on its own (no database): language, themes with their phrase,
sentiment per comment and per mention, bad input, and the figures of the labelled set."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from touchpoint.lib.drivers import key_drivers, lmg
from touchpoint.lib.impact import impact
from touchpoint.lib.nps import Counts
from touchpoint.lib.text import Taxonomy, analyse
from touchpoint.lib.text.evaluation import evaluate, load
from touchpoint.lib.text.highlight import pieces
from touchpoint.lib.text.labelled import training_items
from touchpoint.lib.text.starter import starter_themes
from touchpoint.lib.text.tokens import MAX_CHARS, tokenise

ROOT = Path(__file__).resolve().parent.parent
STARTER = Taxonomy(starter_themes())


def themes(text: str, **kw) -> dict[str, str]:
    return {m.theme: m.sentiment for m in analyse(text, STARTER, **kw).mentions}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The repair took three weeks and nobody called me back.", "en"),
        ("Drei Wochen ohne Handy und keine Rückmeldung.", "de"),
        ("Esperé cuarenta minutos y nadie me atendió.", "es"),
        ("Le colis est arrivé avec un jour de retard.", "fr"),
        ("बैटरी दोपहर तक ख़त्म हो जाती है।", "hi"),
    ],
)
def test_the_language_of_a_comment_is_detected(text, language):
    found = analyse(text, STARTER)
    assert (found.language, found.detected) == (language, True)


def test_a_comment_too_short_to_tell_takes_the_survey_language():
    found = analyse("OK", STARTER, hint="de")
    assert (found.language, found.detected) == ("de", False)


def test_a_theme_comes_with_the_words_that_matched_and_where():
    text = "Lovely shop, but the queue was out of the door."
    [mention] = [m for m in analyse(text, STARTER).mentions if m.theme == "waiting"]
    assert text[mention.start : mention.end] == mention.phrase == "queue"


def test_stems_find_other_forms_of_a_phrase():
    assert "waiting" in themes("The waits in that shop are endless")
    assert "battery" in themes("Der Akkuverbrauch ist enorm")  # akku* finds a compound
    assert "delivery" in themes("Les livraisons sont toujours en retard")


def test_a_mixed_comment_has_a_sentiment_per_theme():
    found = themes("Friendly staff but the repair took forever")
    assert found == {"staff": "positive", "repair_time": "negative"}
    assert themes("Freundliches Personal, aber die Reparatur hat länger gedauert als gesagt") == {
        "staff": "positive",
        "repair_time": "negative",
    }


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Brilliant service, thank you!", "positive"),
        ("Rude staff and a two hour queue. Never again.", "negative"),
        ("Todo perfecto, muy amables.", "positive"),
        ("Une heure d'attente, inadmissible.", "negative"),
        ("बहुत बढ़िया सेवा, धन्यवाद!", "positive"),
    ],
)
def test_the_sentiment_of_a_comment(text, label):
    found = analyse(text, STARTER)
    assert found.sentiment == label
    assert -1 <= found.score <= 1 and (found.score > 0) == (label == "positive")


@pytest.mark.parametrize(
    "text",
    [
        "Not bad at all, quick and easy.",
        "Nicht schlecht, ging schneller als gedacht.",
        "No está nada mal, la verdad.",
        "Pas mal du tout, et rapide.",
        "बुरा नहीं, काफ़ी जल्दी हो गया।",
    ],
)
def test_a_complaint_denied_is_praise(text):
    assert analyse(text, STARTER).sentiment == "positive"


@pytest.mark.parametrize(
    "text",
    ["Nothing special.", "Nichts Weltbewegendes.", "Nada del otro mundo.", "Rien de spécial."],
)
def test_nothing_special_is_neutral(text):
    assert analyse(text, STARTER).sentiment == "neutral"


def test_german_umlauts_keep_words_apart():
    """Folded to plain letters, "schön" (lovely) would be "schon" (already, again)."""
    assert analyse("Das Display ist schon wieder kaputt.", STARTER).sentiment == "negative"
    assert analyse("Schöner Laden, schöne Beratung.", STARTER).sentiment == "positive"


@pytest.mark.parametrize("text", ["", "   \n\t ", None])
def test_an_empty_comment_is_neutral_with_no_theme(text):
    found = analyse(text, STARTER, hint="fr")
    assert (found.sentiment, found.score, found.mentions) == ("neutral", 0.0, ())


def test_an_emoji_only_comment_is_read_by_its_emoji():
    assert analyse("👍👍😀", STARTER).sentiment == "positive"
    assert analyse("😡😡", STARTER).sentiment == "negative"


def test_html_is_never_run_and_offsets_still_point_into_the_text_as_given():
    text = '<script>alert("x")</script><b>Battery</b> dies by lunchtime <img src=x onerror=1>'
    found = analyse(text, STARTER)
    mention = next(m for m in found.mentions if m.theme == "battery")
    assert text[mention.start : mention.end] == "Battery"
    assert found.sentiment == "negative"
    assert all("script" not in m.phrase for m in found.mentions)


def test_a_very_long_comment_is_cut_at_the_stored_limit():
    text = "The queue was awful. " * 2000
    found = analyse(text, STARTER)
    assert all(m.end <= MAX_CHARS for m in found.mentions)
    assert found.sentiment == "negative"


def test_a_comment_mixing_two_languages_finds_themes_in_both():
    found = themes("Great phone pero la batería no me dura nada, the delivery was late")
    assert {"battery", "delivery"} <= found.keys()


def test_a_phrase_marked_with_a_language_is_used_for_that_language_only():
    taxonomy = Taxonomy([("queue", ["es: cola"])])
    assert [m.theme for m in analyse("Mucha cola en la tienda", taxonomy).mentions] == ["queue"]
    assert analyse("I had a cola while I waited in the shop", taxonomy).mentions == ()


def test_highlight_pieces_mark_the_phrases_and_keep_the_rest():
    assert pieces("a queue here", [(2, 7)]) == [("a ", False), ("queue", True), (" here", False)]
    long = "x" * 500 + " queue " + "y" * 500
    cut = pieces(long, [(501, 506)], limit=100)
    assert cut[0] == ("…", False) and ("queue", True) in cut and cut[-1] == ("…", False)


def test_impact_is_nps_of_all_minus_nps_without_the_theme():
    everyone, mentioning = Counts(400, 300, 300), Counts(20, 30, 100)
    found = impact(everyone, mentioning)
    without = Counts(380, 270, 200)
    assert found.impact == pytest.approx(everyone.nps - without.nps)
    assert found.low < found.impact < found.high
    assert impact(everyone, mentioning) == found  # a fixed seed: the same interval every time
    assert not found.few_mentions and impact(everyone, Counts(5, 5, 5)).few_mentions


def test_lmg_shares_add_up_to_r2_and_find_the_real_driver():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, (800, 4)).astype(float)
    y = 7 - 3 * x[:, 1] + rng.normal(0, 1, 800)
    r2, shares = lmg(x, y)
    assert shares.sum() == pytest.approx(r2)
    found = key_drivers(x, y, resamples=100)
    top = max(found.drivers, key=lambda d: d.lmg)
    assert top.index == 1 and top.sign == -1 and top.low <= top.lmg <= top.high
    assert found.drivers[0].lmg < 0.01


def _readme_figures() -> dict[str, tuple[float, float, float]]:
    """The engine's held-out figures as the README states them: language -> (theme F1,
    sentiment accuracy, mention sentiment accuracy)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- evaluation:engine -->")[1].split("<!-- /evaluation:engine -->")[0]
    out = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 7 and cells[0] in ("en", "de", "es", "fr", "hi"):
            out[cells[0]] = (float(cells[4]), float(cells[5]), float(cells[6]))
    return out


def test_the_labelled_set_scores_no_worse_than_the_readme_says():
    stated = _readme_figures()
    assert set(stated) == {"en", "de", "es", "fr", "hi"}
    held_out = [item for item in load(ROOT / "tests" / "data") if item.split == "test"]
    scores = evaluate(held_out, lambda item: analyse(item.text, STARTER))
    for language, (f1, accuracy, mentions) in stated.items():
        got = scores[language]
        assert got.f1 >= f1 - 0.05, (language, got.f1)
        assert got.sentiment_accuracy >= accuracy - 0.05, (language, got.sentiment_accuracy)
        assert got.mention_accuracy >= mentions - 0.05, (language, got.mention_accuracy)


def test_no_training_comment_is_a_near_copy_of_an_evaluation_comment():
    """The sentiment models learn from the demo corpus and the training corpus; a comment
    sharing half or more of its words with one of the evaluation set would leak it."""

    def words(text: str) -> set[str]:
        return {t.text for t in tokenise(text.lower(), split_elisions=True)}

    evaluation: dict[str, list[set[str]]] = {}
    for item in load(ROOT / "tests" / "data"):
        evaluation.setdefault(item.language, []).append(words(item.text))
    for item in training_items():
        mine = words(item.text)
        closest = max(
            len(mine & theirs) / len(mine | theirs) for theirs in evaluation[item.language]
        )
        assert closest < 0.6, item.text


def test_the_evaluation_set_was_written_in_five_languages_and_six_touchpoints():
    items = load(ROOT / "tests" / "data")
    assert len(items) >= 500
    assert {i.language for i in items} == {"en", "de", "es", "fr", "hi"}
    assert {i.touchpoint for i in items} == {
        "store",
        "support",
        "repair",
        "online",
        "signup",
        "cancel",
    }
    assert not re.search(r"[<>]", "".join(i.text for i in items))
