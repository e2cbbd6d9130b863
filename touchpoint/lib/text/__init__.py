"""Comment analysis without a network: language, themes and sentiment, in plain Python.

`analyse(text, taxonomy)` is the one entry point (see `engine.py`); the pieces are:

- `tokens.py`: cleaning (HTML tags blanked, offsets kept) and tokens with their offsets;
- `language.py`: which of en, de, es, fr, hi a comment is written in;
- `stems.py`: Snowball stems, folded to plain letters, cached;
- `phrases.py`: a matcher of stemmed phrases (themes, and the multi-word sentiment entries);
- `lexicon.py` and `lexicon_*.py`: sentiment words per language, negations, intensifiers and
  the words that turn a sentence ("but");
- `starter.py`: the starter taxonomy's example phrases (a smartphone brand).

Nothing here imports Django; `touchpoint.analysis` stores and schedules what this computes.
"""

from touchpoint.lib.text.engine import Analysis, Mention, Taxonomy, analyse

__all__ = ["Analysis", "Mention", "Taxonomy", "analyse"]
