"""Wishes that ask for the same thing, however worded, form one demand.

A wish's item is read as the set of concepts it names (terms/concepts.tsv: 双人, 超大号 and 加大
all name 大号; a small count, "6支装" or "3斤", names 小份). Unknown words are left out where a
known concept is named ("荷兰郁金香" asks for 郁金香); an item that names none is read by its head
word, the last, as Chinese noun phrases end in their head ("突尼斯软籽石榴" asks for 石榴).

Two sets are alike by weighted Jaccard, each concept weighted by how rare it is among the wishes
grouped together, log(N/df): in an umbrella shop 伞 is in most wishes and says little, 透明 says
a lot; modifiers (marked * in the lexicon: colours) weigh MODIFIER_WEIGHT of that. Groups form by
average-linkage agglomeration: the two most alike groups merge while they are at least THRESHOLD
alike. Identical sets are grouped first, so the work grows with the number of distinct sets, not
of wishes."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pledge.wishes.lexicon import concept_words, modifiers, occurrences
from pledge.wishes.text import plain, words

THRESHOLD = 0.5  # pledge:default, tuned on tests/data/wishes/dev*.tsv (docs/wish-pool.md)
MODIFIER_WEIGHT = 0.3  # colours and the like say less than what they colour (粉色郁金香 is a tulip)
_IGNORED = frozenset(
    (
        "的 了 吧 呀 啊 呢 嘛 吗 呗 哦 个 款 把 只 点 些 那种 一起 "
        + "老板 我 就 用 要 花 装 一款 一把 一个 花束"
    ).split()
)

Concepts = frozenset[str]
# pledge:default: up to 6 stems or 5 jin is a small pack (小份), written as digits or numerals.
_SMALL_COUNT = re.compile(r"(?<![0-9])(?:[1-6]|[一二两三四五六])支|(?<![0-9])(?:[1-5]|[一二两三四五])斤")


def concepts(item: str) -> Concepts:
    text = plain(item)
    named: set[str] = set()
    covered = [False] * len(text)
    for start, end, word in occurrences(text, list(concept_words())):
        if any(covered[start:end]):
            continue
        covered[start:end] = [True] * (end - start)
        named.update(concept_words()[word])
    if _SMALL_COUNT.search(text):
        named.add("小份")
    if named:
        return frozenset(named)
    kept = [w for w in words(text) if len(w) > 1 and w not in _IGNORED]
    if not kept:
        return frozenset()
    head = kept[-1]
    return frozenset({head[:-1] if len(head) > 2 and head.endswith("花") else head})


def _weights(sets: Sequence[Concepts], counts: Sequence[int]) -> dict[str, float]:
    total = sum(counts)
    document_frequency: Counter[str] = Counter()
    for concept_set, count in zip(sets, counts, strict=True):
        for concept in concept_set:
            document_frequency[concept] += count
    return {
        c: math.log(total / df) * (MODIFIER_WEIGHT if c in modifiers() else 1.0)
        for c, df in document_frequency.items()
    }


def _alike(a: Concepts, b: Concepts, weight: dict[str, float]) -> float:
    union = sum(weight[c] for c in a | b)
    return sum(weight[c] for c in a & b) / union if union else 0.0


@dataclass
class _Group:
    members: list[int]  # indexes into the distinct sets


def _merge_closest(groups: list[_Group], alike: list[list[float]], counts: Sequence[int]) -> bool:
    best, pair = THRESHOLD, None
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            pairs = [(a, b) for a in groups[i].members for b in groups[j].members]
            weight = sum(counts[a] * counts[b] for a, b in pairs)
            score = sum(alike[a][b] * counts[a] * counts[b] for a, b in pairs) / weight
            if score >= best:
                best, pair = score, (i, j)
    if pair is None:
        return False
    i, j = pair
    groups[i].members.extend(groups[j].members)
    del groups[j]
    return True


def group(items: Sequence[str]) -> list[int]:
    """A group number for each item: equal numbers, one demand. Numbers follow first appearance."""
    item_sets = [concepts(item) for item in items]
    distinct = list(dict.fromkeys(item_sets))
    counts = [item_sets.count(s) for s in distinct]
    weight = _weights(distinct, counts)
    alike = [[_alike(a, b, weight) for b in distinct] for a in distinct]
    groups = [_Group([i]) for i in range(len(distinct))]
    while len(groups) > 1 and _merge_closest(groups, alike, counts):
        pass
    group_of_set = {distinct[m]: g for g, found in enumerate(groups) for m in found.members}
    order: dict[int, int] = {}
    return [order.setdefault(group_of_set[s], len(order)) for s in item_sets]


def names(items: Sequence[str], numbers: Sequence[int]) -> dict[int, str]:
    """Each group's name: the way its wishers wrote it most often (ties: the shortest)."""
    written: dict[int, Counter[str]] = {}
    for item, number in zip(items, numbers, strict=True):
        written.setdefault(number, Counter())[item] += 1
    return {n: min(c.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0] for n, c in written.items()}


def closest(item: str, groups: Sequence[Sequence[str]]) -> int | None:
    """The group a new item joins, one wish at a time: the same rule as one step of `group`
    (a group holding the same concepts; else average linkage of the new item to each group,
    concepts weighted over all the items, at least THRESHOLD alike), without regrouping the
    others. None: it starts a group of its own."""
    new = concepts(item)
    member_sets = [[concepts(member) for member in members] for members in groups]
    for index, sets in enumerate(member_sets):
        if new in sets:  # `group` puts identical sets together before weighing anything
            return index
    everyone = [s for sets in member_sets for s in sets] + [new]
    distinct = list(dict.fromkeys(everyone))
    weight = _weights(distinct, [everyone.count(s) for s in distinct])
    best, found = 0.0, None
    for index, sets in enumerate(member_sets):
        score = sum(_alike(new, s, weight) for s in sets) / len(sets) if sets else 0.0
        if score >= THRESHOLD and (found is None or score > best):
            best, found = score, index
    return found
