"""The offensive-comment experiments of docs/moderation.md (cold24), run by hand:

    nice -n 10 .venv/bin/python -m bench.offensive_models VARIANT [VARIANT ...]

Each variant is fitted twice, the way the shipped model is measured: on COLD train and every
fourth ordinary review ("A", scored on dev), then on train + dev + those reviews ("B", scored on
COLD test, once, and on the 37 380 ordinary reviews neither fit saw). Probabilities are saved in
OUT so that `ensemble` can combine variants; one line per variant goes to OUT/results.txt.
Needs scikit-learn (a dev dependency); the CNN is numpy only (bench/char_cnn.py)."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench import char_cnn
from pledge.moderation.classifier import grams
from pledge.moderation.training import C, read_reviews, read_split

DATA = Path("/work/shared/data/zh_cold_offensive")
REVIEWS = sorted(Path("/work/shared/data/zh_reviews").glob("*.csv"))
OUT = Path(os.environ.get("OFFENSIVE_OUT", "/tmp/offensive-models"))
Scorer = Callable[[list[str]], np.ndarray]
Fit = Callable[[list[str], np.ndarray], Scorer]


class Data:
    def __init__(self) -> None:
        (train_x, train_y), (self.dev_x, dev_y) = (read_split(DATA, s) for s in ("train", "dev"))
        test_x, test_y = read_split(DATA, "test")
        ordinary, self.unseen = read_reviews(REVIEWS)
        self.a = (train_x + ordinary, np.array(train_y + [0] * len(ordinary)))
        self.b = (self.a[0] + self.dev_x, np.concatenate([self.a[1], dev_y]))
        self.dev_y, self.test_x, self.test_y = np.array(dev_y), test_x, np.array(test_y)


def macro_f1(labels: np.ndarray, prob: np.ndarray, threshold: float = 0.5) -> float:
    from sklearn.metrics import f1_score

    return round(float(f1_score(labels, (prob >= threshold).astype(int), average="macro")), 4)


def report(name: str, data: Data, dev: np.ndarray, test: np.ndarray, unseen: np.ndarray) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(OUT / f"{name}.npz", dev=dev, test=test, unseen=unseen)
    score, threshold = max((macro_f1(data.dev_y, dev, t), t) for t in np.arange(0.2, 0.81, 0.05))
    line = (
        f"{name}: dev {macro_f1(data.dev_y, dev)} test {macro_f1(data.test_y, test)} "
        f"reviews>=0.5 {100 * float((unseen >= 0.5).mean()):.2f}% | best dev threshold "
        f"{threshold:.2f}: dev {score} test {macro_f1(data.test_y, test, threshold)}"
    )
    print(line, flush=True)
    with (OUT / "results.txt").open("a") as f:
        f.write(time.strftime("%H:%M ") + line + "\n")


def char_tfidf(texts: list[str], labels: np.ndarray, keep: int = 30_000):
    """The shipped recipe's vectoriser (character 1-4-grams, the `keep` strongest) and its model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    wide = TfidfVectorizer(analyzer=grams, sublinear_tf=True, min_df=2)
    first = LogisticRegression(C=C, max_iter=3000).fit(wide.fit_transform(texts), labels)
    names = wide.get_feature_names_out()
    kept = [names[i] for i in np.argsort(-np.abs(first.coef_[0]))[:keep]]
    narrow = TfidfVectorizer(analyzer=grams, sublinear_tf=True, vocabulary=kept)
    return narrow.fit(texts), LogisticRegression(C=C, max_iter=3000).fit(narrow.transform(texts), labels)


def fit_linear(texts: list[str], labels: np.ndarray) -> Scorer:
    vectoriser, model = char_tfidf(texts, labels)
    return lambda x: model.predict_proba(vectoriser.transform(x))[:, 1]


def fit_sparse_mlp(texts: list[str], labels: np.ndarray) -> Scorer:
    """One hidden layer of 128 ReLUs over the linear model's 30 000 kept n-grams (8 epochs)."""
    from sklearn.neural_network import MLPClassifier

    vectoriser, _ = char_tfidf(texts, labels)
    mlp = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-4, max_iter=8, batch_size=128, random_state=0)
    mlp.fit(vectoriser.transform(texts), labels)
    return lambda x: mlp.predict_proba(vectoriser.transform(x))[:, 1]


def fit_lsa_mlp(texts: list[str], labels: np.ndarray) -> Scorer:
    """300 LSA dimensions of those n-grams, standardised, one hidden layer of 256 (early stopping)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    vectoriser, _ = char_tfidf(texts, labels)
    mlp = MLPClassifier(
        hidden_layer_sizes=(256,), alpha=1e-3, max_iter=60, early_stopping=True, random_state=0
    )
    model = make_pipeline(vectoriser, TruncatedSVD(300, n_iter=4, random_state=0), StandardScaler(), mlp)
    model.fit(texts, labels)
    return lambda x: model.predict_proba(x)[:, 1]


def fit_boosted_stack(texts: list[str], labels: np.ndarray) -> Scorer:
    """Gradient boosting over the linear model's out-of-fold logit, 100 LSA dimensions, the
    sensitive/absolute lexicon's hit counts per category and the length."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    vectoriser, _ = char_tfidf(texts, labels)
    grid = vectoriser.transform(texts)
    linear = LogisticRegression(C=C, max_iter=3000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    out_of_fold = cross_val_predict(linear, grid, labels, cv=folds, method="predict_proba")[:, 1]
    linear.fit(grid, labels)
    svd = TruncatedSVD(100, n_iter=4, random_state=0).fit(grid)

    def features(x: list[str], linear_prob: np.ndarray) -> np.ndarray:
        return np.column_stack([logit(linear_prob), svd.transform(vectoriser.transform(x)), lexical(x)])

    boost = HistGradientBoostingClassifier(
        max_iter=400, learning_rate=0.05, early_stopping=True, random_state=0
    )
    boost.fit(features(texts, out_of_fold), labels)
    return lambda x: boost.predict_proba(features(x, linear.predict_proba(vectoriser.transform(x))[:, 1]))[
        :, 1
    ]


def lexical(texts: list[str]) -> np.ndarray:
    from pledge.moderation.lexicon import Lexicon, read_categorised
    from pledge.moderation.normalise import normalise

    lexicon = Lexicon(read_categorised("sensitive.tsv") + read_categorised("absolute.tsv"))
    categories = ("sexual", "weapons", "terror", "political", "absolute")
    rows = []
    for text in texts:
        found = [hit.category for hit in lexicon.find(normalise(text))]
        rows.append([found.count(c) for c in categories] + [len(text)])
    return np.array(rows, dtype=float)


def logit(prob: np.ndarray) -> np.ndarray:
    prob = np.clip(prob, 1e-6, 1 - 1e-6)
    return np.log(prob / (1 - prob))


def run(name: str, fit: Fit, data: Data) -> None:
    on_a = fit(*data.a)
    on_b = fit(*data.b)
    report(name, data, on_a(data.dev_x), on_b(data.test_x), on_b(data.unseen))


def run_cnn(data: Data, epochs: int = 4, seed: int = 0) -> None:
    """Epochs chosen on dev (the A fit scored after each), then the B fit trained that long."""
    dev: list[np.ndarray] = []

    def score_dev(epoch: int, params: char_cnn.Params, vocab: dict[str, int]) -> None:
        dev.append(char_cnn.predict(params, *char_cnn.encode(data.dev_x, vocab)))
        print(f"  dev macro-F1 {macro_f1(data.dev_y, dev[-1])}", flush=True)

    char_cnn.train(*data.a, epochs, seed=seed, after_epoch=score_dev)
    best = int(np.argmax([macro_f1(data.dev_y, p) for p in dev])) + 1
    params, vocab = char_cnn.train(*data.b, best, seed=seed)
    np.savez_compressed(OUT / "cnn-weights.npz", **{k: v.astype(np.float16) for k, v in params.items()})
    scores = [char_cnn.predict(params, *char_cnn.encode(x, vocab)) for x in (data.test_x, data.unseen)]
    report("cnn", data, dev[best - 1], *scores)


def ensemble(names: list[str], data: Data) -> None:
    """The mean of the variants' probabilities; and a logistic-regression stacker fitted on the A
    fits' dev probabilities (its dev figure from 5-fold cross-validation on dev), applied to the
    B fits' test probabilities."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    saved = {n: np.load(OUT / f"{n}.npz") for n in names}
    tag = "+".join(names)
    mean = {part: np.mean([saved[n][part] for n in names], axis=0) for part in ("dev", "test", "unseen")}
    report(f"mean({tag})", data, mean["dev"], mean["test"], mean["unseen"])
    stacked = {part: np.column_stack([logit(saved[n][part]) for n in names]) for part in mean}
    stacker = LogisticRegression()
    dev = cross_val_predict(stacker, stacked["dev"], data.dev_y, cv=5, method="predict_proba")[:, 1]
    stacker.fit(stacked["dev"], data.dev_y)
    report(f"stack({tag})", data, dev, *(stacker.predict_proba(stacked[p])[:, 1] for p in ("test", "unseen")))


FITS: dict[str, Fit] = {
    "lin": fit_linear,
    "mlp_sparse": fit_sparse_mlp,
    "mlp_lsa": fit_lsa_mlp,
    "hgb_stack": fit_boosted_stack,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.offensive_models", description=__doc__)
    parser.add_argument("variant", choices=[*FITS, "cnn", "ensemble"])
    parser.add_argument("names", nargs="*", help="ensemble: the saved variants to combine")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data = Data()
    if args.variant == "cnn":
        run_cnn(data)
    elif args.variant == "ensemble":
        ensemble(args.names, data)
    else:
        run(args.variant, FITS[args.variant], data)


if __name__ == "__main__":
    main()
