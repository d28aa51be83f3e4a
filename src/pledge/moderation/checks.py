"""One moderation service with contexts: `check(text, context)` answers a verdict (allow /
review / block), the terms it hit (term, category, span in the text as written) and the clause it
applied. Which verdict a category earns in which context is rulebook data (clauses of kind
`moderation_terms`): an absolute term blocks a listing but is an ordinary word in a buyer's
comment; a pornographic term blocks everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from pledge.kernel.errors import InvalidInput
from pledge.kernel.once import once
from pledge.moderation.classifier import OffensiveModel, shipped_model
from pledge.moderation.lexicon import Hit, Lexicon, read_categorised, read_terms
from pledge.moderation.normalise import normalise
from pledge.rulebooks.loader import Clause, Rulebook

MAX_TEXT = 20_000  # characters one check reads (a listing's description fits; pledge:default)


class ContentRefused(InvalidInput):
    """A text the checks block: 422 naming the term, its place and the clause."""

    code = "content_refused"
    title = "Refused by the content rules"


class Context(StrEnum):
    LISTING = "listing"  # product titles, descriptions, text found in product images
    COMMENT = "comment"  # live comments, reviews, chat messages
    LIVE = "live"  # room and session titles, transcript lines


class Verdict(IntEnum):
    """Ordered by severity: a text's verdict is its most severe hit's."""

    ALLOW = 0
    REVIEW = 1
    BLOCK = 2

    @property
    def word(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Result:
    verdict: Verdict
    hits: tuple[Hit, ...] = ()
    clause: str | None = None  # the clause behind the verdict (None when nothing was hit)
    offensive_pct: int | None = None  # the classifier's score, where a clause asks for it

    def as_json(self) -> dict:
        answer = {
            "verdict": self.verdict.word,
            "hits": [h.as_json() for h in self.hits],
            "clause": self.clause,
        }
        return answer | ({"offensive_pct": self.offensive_pct} if self.offensive_pct is not None else {})


@once
def shipped_lexicon() -> Lexicon:
    """The absolute terms and the curated sensitive terms, with the allowed words (terms/)."""
    return Lexicon(
        read_categorised("absolute.tsv") + read_categorised("sensitive.tsv"), read_terms("allowed.txt")
    )


def clean_text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidInput("text must be a string")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"text is over {MAX_TEXT} characters")
    if any("\ud800" <= c <= "\udfff" for c in text):  # what undecodable bytes become in argv
        raise InvalidInput("text is not valid Unicode (it holds a lone surrogate: bytes that are not UTF-8?)")
    return text


def text_to_check(text: object) -> str:
    """A text given to check on its own (the CLI's `text` and `batch`): valid, and not empty:
    an empty text has no verdict worth asking for (a listing's empty description is checked
    as allowed, through `check`)."""
    body = clean_text(text)
    if not body.strip():
        raise InvalidInput("text is empty: give the text to check")
    return body


def verdict_for(clauses: list[Clause], category: str, context: Context) -> tuple[Verdict, str | None]:
    """What a hit of `category` earns in `context` under the clauses in force; a category no
    clause names is allowed (a lexicon may carry categories a rulebook does not act on)."""
    for clause in clauses:
        if clause.get("category") == category:
            return Verdict[str(clause.get(context.value)).upper()], clause.id
    return Verdict.ALLOW, None


def offensive_verdict(clause: Clause, probability: float) -> tuple[Verdict, int]:
    """The classifier's score in whole percent (rounded down), and what it earns."""
    pct = int(probability * 100)
    if pct >= int(clause.get("block_from_pct")):
        return Verdict.BLOCK, pct
    return (Verdict.REVIEW if pct >= int(clause.get("review_from_pct")) else Verdict.ALLOW), pct


def check(
    text: object,
    context: Context,
    book: Rulebook,
    at: datetime,
    lexicon: Lexicon | None = None,
    model: OffensiveModel | None = None,
) -> Result:
    """The verdict on `text` entering in `context`, under the rulebook's clauses in force `at`:
    the terms it holds and, for comments, the offensive-comment classifier's score."""
    body = clean_text(text)
    found = (lexicon or shipped_lexicon()).find(normalise(body))
    clauses = book.in_force("moderation_terms", at)
    ruled = [(Verdict.ALLOW, None)] + [verdict_for(clauses, hit.category, context) for hit in found]
    pct = None
    classifier = model or shipped_model()
    offensive = book.in_force("moderation_offensive", at) if context is Context.COMMENT else []
    if offensive and classifier is not None and body.strip():
        verdict, pct = offensive_verdict(offensive[0], classifier.probability(body))
        ruled.append((verdict, offensive[0].id if verdict is not Verdict.ALLOW else None))
    verdict, clause_id = max(ruled, key=lambda r: r[0])
    return Result(verdict, tuple(found), clause_id, pct)


def refuse_if_blocked(text: str, result: Result, field: str) -> None:
    """Raise ContentRefused when `result` blocks `text` (entered as `field`)."""
    if result.verdict is not Verdict.BLOCK:
        return
    hit = next((h for h in result.hits), None)
    words = f"“{text[hit.span[0] : hit.span[1]]}”" if hit else "its wording"
    raise ContentRefused(
        f"the {field} uses {words}, which the content rules do not allow ({result.clause})",
        clause=result.clause,
        hits=[h.as_json() for h in result.hits],
    )
