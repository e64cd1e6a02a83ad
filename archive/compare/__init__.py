"""Compare: pure functions of two texts, importing nothing else of the package.

- ``words``: the word-level diff (diff-match-patch on word tokens, deterministic);
- ``sentences``: sentence splitting; ``align``: sentences of two versions paired, moves, splits, merges;
- ``signals``: the claim signals of a sentence (numbers, dates, names, quotes, negations, hedges…);
- ``verdict``: whether a changed hunk is substantive or cosmetic, and why; ``synonyms``: WordNet data;
- ``changes``: the result model; ``claims``: ``compare(old, new)``, which puts them together.
"""
