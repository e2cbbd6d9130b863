"""Suggested themes: the comments no theme matched, grouped by what they say.

Steps of `do_suggest_themes`: take the account's latest analysed comments without a theme
mention (up to 4,000); turn each into the stems of its words, less the language's function
words; group them (TF-IDF, k-means: `lib/clusters.py`); keep each group's telling words, the
words as customers wrote them (proposed example phrases, marked with their language) and its
most typical comments. The previous suggestions not adopted are replaced.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from django.db import transaction
from django.utils import timezone

from touchpoint.accounts.models import Account
from touchpoint.analysis.models import CommentAnalysis, SuggestedTheme, ThemeMention
from touchpoint.lib.clusters import groups
from touchpoint.lib.text.language import function_words
from touchpoint.lib.text.stems import stem
from touchpoint.lib.text.tokens import clean, tokenise

SAMPLE = 4000
MAX_GROUPS = 8


def _words(text: str, language: str) -> list[tuple[str, str]]:
    stop = function_words(language)
    out = []
    for token in tokenise(clean(text), split_elisions=language == "fr"):
        word = token.text
        if len(word) < 3 or word in stop or word.isdigit():
            continue
        out.append((stem(word, language), word))
    return out


@transaction.atomic
def do_suggest_themes(account: Account, *, now=None) -> list[SuggestedTheme]:
    rows = list(
        CommentAnalysis.objects.filter(account=account, state=CommentAnalysis.State.DONE)
        .exclude(sentiment="")
        .exclude(response_id__in=ThemeMention.objects.values("response_id"))
        .order_by("-response_id")
        .values_list("response_id", "response__comment", "language")[:SAMPLE]
    )
    docs, surface = [], defaultdict(Counter)
    languages = defaultdict(Counter)
    for _, text, language in rows:
        words = _words(text, language or "en")
        docs.append([s for s, _ in words])
        for s, w in words:
            surface[s][w] += 1
            languages[s][language or "en"] += 1
    k = max(2, min(MAX_GROUPS, round(math.sqrt(len(docs) / 2))))
    found = groups(docs, k=k)
    SuggestedTheme.objects.filter(account=account, adopted__isnull=True).delete()
    made = []
    for group in found:
        words = [surface[t].most_common(1)[0][0] for t in group.terms]
        phrases = [
            f"{languages[t].most_common(1)[0][0]}: {w}"
            for t, w in zip(group.terms, words, strict=True)
        ]
        made.append(
            SuggestedTheme(
                account=account,
                terms=words,
                phrases=phrases,
                examples=[
                    {"response": rows[i][0], "text": rows[i][1][:300]} for i in group.members[:3]
                ],
                size=len(group.members),
                computed_at=now or timezone.now(),
            )
        )
    SuggestedTheme.objects.bulk_create(made)
    return made
