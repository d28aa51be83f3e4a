"""The offensive-comment classifier: logistic regression over character 1-4-grams (sublinear TF
× IDF, L2-normalised), trained on COLD (`pledge moderate train`, moderation/training.py) and
shipped as a small file (terms/offensive-model.json.gz: the kept n-grams, their IDF and weight).

Scoring needs no machine-learning library: the same n-grams, one dictionary lookup each, a sum
and a logistic function; a comment takes well under a millisecond on one core."""

from __future__ import annotations

import gzip
import json
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass
from importlib import resources

from pledge.kernel.once import once

MODEL_FILE = "offensive-model.json.gz"
MAX_GRAM = 4


def grams(text: str, longest: int = MAX_GRAM) -> list[str]:
    """The character 1..longest-grams of the text as the model reads it: NFKC, case-folded, runs
    of white space made one space (training and scoring share this function)."""
    plain = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return [plain[i : i + n] for n in range(1, longest + 1) for i in range(len(plain) - n + 1)]


@dataclass(frozen=True)
class OffensiveModel:
    features: dict[str, tuple[float, float]]  # n-gram -> (idf, weight)
    intercept: float
    about: dict  # how it was trained and what it measured

    def probability(self, text: str) -> float:
        """P(offensive) for one comment."""
        counts = Counter(g for g in grams(text) if g in self.features)
        if not counts:
            return 1 / (1 + math.exp(-self.intercept))
        values = {g: (1 + math.log(n)) * self.features[g][0] for g, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        z = self.intercept + sum(self.features[g][1] * v for g, v in values.items()) / norm
        return 1 / (1 + math.exp(-z))

    def to_bytes(self) -> bytes:
        body = {
            "about": self.about,
            "intercept": self.intercept,
            "features": {g: [round(idf, 5), round(w, 6)] for g, (idf, w) in sorted(self.features.items())},
        }
        return gzip.compress(json.dumps(body, ensure_ascii=False).encode(), mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> OffensiveModel:
        body = json.loads(gzip.decompress(data))
        features = {g: (float(idf), float(w)) for g, (idf, w) in body["features"].items()}
        return cls(features, float(body["intercept"]), body.get("about", {}))


@once
def shipped_model() -> OffensiveModel | None:
    """The model shipped in the package, or None when none has been trained into it."""
    entry = resources.files("pledge.moderation").joinpath("terms", MODEL_FILE)
    return OffensiveModel.from_bytes(entry.read_bytes()) if entry.is_file() else None
