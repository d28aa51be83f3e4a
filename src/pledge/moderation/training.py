"""`pledge moderate train`: the offensive-comment classifier from COLD (shared/data/
zh_cold_offensive): fitted on train + dev, never on test; test is read once, to report.

Steps: TF-IDF over character 1-4-grams (classifier.grams, min_df 2) → logistic regression →
keep the `keep` n-grams with the largest absolute weights → refit both on that vocabulary, so
the shipped model is small and scores exactly what was measured.

COLD is about offence against groups; alone it learns that "恶心" and "垃圾" are offensive, and
flags 9 % of ordinary shopping reviews at 0.5. Every fourth ordinary review (shared/data/
zh_reviews: complaints included) is added as not offensive; the reviews it did not see are
where `reviews_flagged` is measured. Needs scikit-learn (a dev
dependency: `pip install -e ".[dev]"`); scoring does not."""

from __future__ import annotations

import csv
from pathlib import Path

from pledge.kernel.errors import InvalidInput
from pledge.moderation.classifier import MAX_GRAM, OffensiveModel, grams

C = 4.0  # inverse regularisation; chosen on dev among 1, 4, 10


def read_split(data_dir: Path, split: str) -> tuple[list[str], list[int]]:
    path = data_dir / f"{split}.csv"
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist (expected COLD's {split}.csv)")
    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return [r["TEXT"] for r in rows], [int(r["label"]) for r in rows]


def read_reviews(paths: list[Path]) -> tuple[list[str], list[str]]:
    """Ordinary reviews: (every fourth, for training; the odd ones, for measuring)."""
    texts: list[str] = []
    for path in paths:
        if not path.is_file():
            raise InvalidInput(f"{path} does not exist (expected a review CSV)")
        with path.open(encoding="utf-8-sig") as f:
            texts.extend(row.get("review") or "" for row in csv.DictReader(f))
    return texts[0::4], texts[1::2]


def train(
    data_dir: Path, reviews: list[Path], *, keep: int = 30_000, limit: int | None = None
) -> OffensiveModel:
    """Fit on COLD train + dev and ordinary reviews (the first `limit` rows of each when given:
    for tests); measure dev (fitted on train alone) and test (fitted on everything) macro-F1 at
    0.5, and the share of unseen ordinary reviews scored 0.5 or more."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    (train_x, train_y), (dev_x, dev_y) = (read_split(data_dir, s) for s in ("train", "dev"))
    test_x, test_y = read_split(data_dir, "test")
    ordinary, unseen = read_reviews(reviews)
    if limit:
        train_x, train_y, dev_x, dev_y = train_x[:limit], train_y[:limit], dev_x[:limit], dev_y[:limit]
        test_x, test_y, ordinary, unseen = test_x[:limit], test_y[:limit], ordinary[:limit], unseen[:limit]
    train_x, train_y = train_x + ordinary, train_y + [0] * len(ordinary)

    def fit(texts, labels):
        wide = TfidfVectorizer(analyzer=grams, sublinear_tf=True, min_df=2)
        first = LogisticRegression(C=C, max_iter=3000).fit(wide.fit_transform(texts), labels)
        names = wide.get_feature_names_out()
        order = sorted(range(len(names)), key=lambda i: -abs(first.coef_[0][i]))[:keep]
        narrow = TfidfVectorizer(analyzer=grams, sublinear_tf=True, vocabulary=[names[i] for i in order])
        model = LogisticRegression(C=C, max_iter=3000).fit(narrow.fit_transform(texts), labels)
        return narrow, model

    def macro_f1(fitted, texts, labels) -> float:
        vectoriser, model = fitted
        return round(float(f1_score(labels, model.predict(vectoriser.transform(texts)), average="macro")), 4)

    dev_f1 = macro_f1(fit(train_x, train_y), dev_x, dev_y)
    vectoriser, model = fitted = fit(train_x + dev_x, train_y + dev_y)
    test_f1 = macro_f1(fitted, test_x, test_y)
    flagged = model.predict(vectoriser.transform(unseen)).mean() if unseen else 0.0
    features = {
        gram: (float(vectoriser.idf_[index]), float(model.coef_[0][index]))
        for gram, index in vectoriser.vocabulary_.items()
    }
    about = {
        "data": "COLD (thu-coai) train + dev, and every fourth ordinary review as not offensive",
        "features": f"character 1-{MAX_GRAM}-grams, TF-IDF (sublinear), {len(features)} kept",
        "model": f"logistic regression, C={C}",
        "macro_f1_dev_fitted_on_train": dev_f1,
        "macro_f1_test": test_f1,
        "reviews_flagged_unseen": round(float(flagged), 4),
        "rows": {
            "train": len(train_x),
            "dev": len(dev_x),
            "test": len(test_x),
            "reviews_unseen": len(unseen),
        },
    }
    return OffensiveModel(features, float(model.intercept_[0]), about)
