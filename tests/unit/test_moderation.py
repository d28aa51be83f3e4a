"""The text checks where content enters (pledge.moderation): disguised absolute terms are found,
ordinary words that merely contain one are not, each context earns the verdict its clause gives,
and every hit's span points at the text as written."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pledge.kernel.errors import InvalidInput
from pledge.moderation.checks import MAX_TEXT, Context, Verdict, check, offensive_verdict, shipped_lexicon
from pledge.moderation.classifier import OffensiveModel, shipped_model
from pledge.moderation.curate import curate
from pledge.moderation.lexicon import Lexicon
from pledge.moderation.normalise import normalise
from pledge.rulebooks.loader import Clause, load

AT = datetime(2026, 11, 1, tzinfo=UTC)
BOOK = load("douyin")
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def listing(text: str):
    return check(text, Context.LISTING, BOOK, AT)


@pytest.mark.parametrize(
    "text, term",
    [
        ("国家级向日葵", "国家级"),
        ("國家級向日葵", "国家级"),  # traditional
        ("最 佳 品 质", "最佳"),  # spaces inside the word
        ("最*佳品质", "最佳"),  # punctuation inside the word
        ("最\u200b佳品质", "最佳"),  # zero-width space
        ("全网ＮＯ．１", "no1"),  # full-width
        ("全网No①", "no1"),  # circled digit
        ("全网nO➊", "no1"),  # dingbat digit, mixed case
        ("TOP1玫瑰", "top1"),
        ("顶～级玫瑰", "顶级"),
        ("销量第一的花店", "销量第一"),
        ("史上最低价", "史上最"),
    ],
)
def test_absolute_terms_are_found_through_disguises(text, term):
    result = listing(text)
    assert result.verdict is Verdict.BLOCK
    assert term in [h.term for h in result.hits]
    assert all("absolute" in h.category for h in result.hits)
    assert result.clause == "moderation.absolute-terms"


@pytest.mark.parametrize(
    "text",
    [
        "最近上新",
        "一级果",
        "国家标准",
        "第一次买花",
        "第一时间发货",
        "最佳赏味期3天",
        "NO.10款",
        "最低温度5度",
    ],
)
def test_words_that_merely_contain_a_banned_character_stay_allowed(text):
    assert listing(text).verdict is Verdict.ALLOW
    assert listing(text).hits == ()


def test_a_hit_span_points_at_the_text_as_written():
    text = "A级向日葵 全网ＮＯ．１ 最*佳"
    spans = {h.term: h.span for h in listing(text).hits}
    assert text[slice(*spans["no1"])] == "ＮＯ．１"
    assert text[slice(*spans["最佳"])] == "最*佳"


def test_a_term_inside_a_longer_term_is_reported_once():
    assert [h.term for h in listing("销量第一").hits] == ["销量第一"]


def test_the_context_decides_what_an_absolute_term_earns():
    text = "这是我买过最佳的向日葵"
    assert check(text, Context.LISTING, BOOK, AT).verdict is Verdict.BLOCK
    assert check(text, Context.LIVE, BOOK, AT).verdict is Verdict.REVIEW
    comment = check(text, Context.COMMENT, BOOK, AT)
    assert comment.verdict is Verdict.ALLOW
    assert comment.hits  # still reported: the reviewer sees it, nobody is stopped


def test_prohibited_information_is_blocked_in_every_context():
    for context in Context:
        result = check("出售气枪，货到付款", context, BOOK, AT)
        assert result.verdict is Verdict.BLOCK, context
        assert result.clause == "moderation.prohibited.weapons"
        assert result.hits[0].category == "weapons"


def test_the_most_severe_hit_decides_and_names_its_clause():
    result = check("最佳气枪", Context.LIVE, BOOK, AT)  # absolute → review, weapons → block
    assert result.verdict is Verdict.BLOCK
    assert result.clause == "moderation.prohibited.weapons"


def test_a_rulebook_without_moderation_clauses_allows_and_says_no_clause():
    result = check("国家级", Context.LISTING, load("taobao"), AT)
    assert result.verdict is Verdict.ALLOW and result.clause is None


@pytest.mark.parametrize("bad", [None, 42, b"bytes", "x" * (MAX_TEXT + 1)])
def test_bad_text_is_refused(bad):
    with pytest.raises(InvalidInput):
        listing(bad)


def test_empty_text_is_allowed():
    assert listing("").verdict is Verdict.ALLOW


def test_normalised_text_maps_every_character_back():
    written = "Ｎo．①最\u200b佳"
    norm = normalise(written)
    assert norm.text == "no1最佳"
    assert [written[i] for i in norm.origin] == ["Ｎ", "o", "①", "最", "佳"]


def test_latin_terms_stand_alone_among_latin_and_digits():
    lexicon = Lexicon([("no1", "absolute")])
    assert lexicon.find(normalise("no1")) and lexicon.find(normalise("全网no1好"))
    assert not lexicon.find(normalise("no10")) and not lexicon.find(normalise("ano1"))


def test_curation_keeps_prohibited_terms_and_drops_everyday_words(tmp_path):
    lexicon_dir = tmp_path / "lex"
    lexicon_dir.mkdir()
    (lexicon_dir / "涉枪涉爆.txt").write_text("出售气枪\n炸药\n枪\n", encoding="utf-8")
    (lexicon_dir / "色情类型.txt").write_text("色情片\n", encoding="utf-8")
    for name in ("色情词库.txt", "暴恐词库.txt", "反动词库.txt", "政治类型.txt"):
        (lexicon_dir / name).write_text("", encoding="utf-8")
    (lexicon_dir / "广告类型.txt").write_text("客服\n", encoding="utf-8")  # a dropped file
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("label,review\n1,鞭炮炸药味很重，快递很快\n", encoding="utf-8")
    pairs, counts = curate(lexicon_dir, [reviews])
    assert pairs == [("出售气枪", "weapons"), ("色情片", "sexual")]
    assert counts == {"lines_read": 4, "candidates": 3, "in_reviews": 1}


@pytest.mark.skipif(
    not (SHARED / "zh_reviews").exists(), reason="shared/data/zh_reviews is not beside this checkout"
)
def test_ordinary_shopping_reviews_are_almost_never_blocked():
    path = SHARED / "zh_reviews" / "online_shopping_10_cats.csv"
    with path.open(encoding="utf-8-sig") as f:
        # Odd rows: the classifier trained on every fourth row only (moderation/training.py).
        reviews = [row["review"] for row in itertools.islice(csv.DictReader(f), 1, None, 20)]
    blocked = [r for r in reviews if check(r, Context.COMMENT, BOOK, AT).verdict is Verdict.BLOCK]
    assert len(reviews) > 3000
    assert len(blocked) <= len(reviews) // 200, blocked[:10]  # at most 0.5 %


def test_the_shipped_lexicon_holds_both_lists():
    assert shipped_lexicon().size > 1000


# --- the offensive-comment classifier -------------------------------------------------------------

COLD = SHARED / "zh_cold_offensive"


def test_a_group_insult_in_a_comment_never_reaches_other_viewers():
    result = check("河南人都是骗子", Context.COMMENT, BOOK, AT)
    assert result.verdict is not Verdict.ALLOW  # held or blocked: only its author sees it
    assert result.clause == "moderation.offensive-comments"
    assert result.offensive_pct is not None and result.offensive_pct >= 60


def test_an_ordinary_complaint_is_not_abuse():
    result = check("物流太慢了，差评，花都蔫了", Context.COMMENT, BOOK, AT)
    assert result.verdict is Verdict.ALLOW and result.clause is None


def test_the_classifier_reads_comments_only():
    assert check("河南人都是骗子", Context.LISTING, BOOK, AT).offensive_pct is None


@pytest.mark.parametrize(
    "probability, verdict",
    [(0.599, Verdict.ALLOW), (0.60, Verdict.REVIEW), (0.899, Verdict.REVIEW), (0.90, Verdict.BLOCK)],
)
def test_the_clause_thresholds_decide_the_verdict(probability, verdict):
    clause = Clause(
        "c",
        "moderation_offensive",
        AT.date(),
        "pledge:default",
        "t",
        "t",
        {"review_from_pct": 60, "block_from_pct": 90},
    )
    assert offensive_verdict(clause, probability)[0] is verdict


def test_the_shipped_model_is_small_and_says_how_it_was_made():
    model = shipped_model()
    assert model is not None and len(model.features) <= 30_000
    assert model.about["macro_f1_test"] > 0.75
    assert OffensiveModel.from_bytes(model.to_bytes()) == model


@pytest.mark.skipif(not COLD.exists(), reason="shared/data/zh_cold_offensive is not beside this checkout")
def test_scoring_without_scikit_learn_reproduces_the_measured_f1():
    from sklearn.metrics import f1_score

    from pledge.moderation.training import read_split, train

    reviews = [SHARED / "zh_reviews" / "waimai_10k.csv"]
    model = train(COLD, reviews, keep=3000, limit=1500)
    texts, labels = read_split(COLD, "test")
    predicted = [int(model.probability(t) >= 0.5) for t in texts[:1500]]
    assert round(f1_score(labels[:1500], predicted, average="macro"), 4) == model.about["macro_f1_test"]
    assert model.about["rows"]["train"] == 1500 + 1500 and len(model.features) == 3000
