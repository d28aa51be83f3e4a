"""The wish pool's two word lists, in wishes/terms/: the concepts a wish can name (grouping) and
the words that make a request something other than a wish (detection)."""

from __future__ import annotations

from functools import cache

from pledge.wishes.text import term_lines


@cache
def concept_words() -> dict[str, tuple[str, ...]]:
    """word → the concepts it names, e.g. 大伞 → (大号, 伞)."""
    named: dict[str, list[str]] = {}
    for line in term_lines("concepts.tsv"):
        concept, spelled = line.split("\t")
        concept = concept.rstrip("*")
        for word in spelled.split():
            named.setdefault(word, []).append(concept)
    return {word: tuple(concepts) for word, concepts in named.items()}


@cache
def modifiers() -> frozenset[str]:
    """Concepts marked with * in concepts.tsv: they qualify a thing rather than name it."""
    return frozenset(line.split("\t")[0].rstrip("*") for line in term_lines("concepts.tsv") if "*\t" in line)


@cache
def not_wish_words() -> tuple[str, ...]:
    return tuple(term_lines("not-wishes.txt"))


def occurrences(text: str, vocabulary: tuple[str, ...] | list[str]) -> list[tuple[int, int, str]]:
    """Every [start, end) where a word of the vocabulary occurs, longest words first."""
    found: list[tuple[int, int, str]] = []
    for word in sorted(vocabulary, key=len, reverse=True):
        start = text.find(word)
        while start != -1:
            found.append((start, start + len(word), word))
            start = text.find(word, start + 1)
    return found


def blocking_word(text: str) -> str | None:
    """The first not-a-wish word in the text that is not part of a longer product word (上车 in
    '上车厘子' is the cherry, not boarding the live cart)."""
    products = occurrences(text, list(concept_words()))
    for start, end, word in occurrences(text, not_wish_words()):
        covered = any(s < end and start < e and e - s > end - start for s, e, _ in products)
        if not covered:
            return word
    return None
