"""Is a comment a wish, and for what? Rules a merchant can read.

A clause is a wish when it asks for something with a request cue (求, 许愿, 想要, 能不能出,
希望有, 有没有, 要是有……就好了, ……什么时候出, 出个……吧, 蹲, 坐等) and what it asks for, the
item, names a thing rather than a service: an item holding a not-a-wish word (shipping, price,
coupons, links, the stream, after-sales: terms/not-wishes.txt) makes the clause a request but not
a wish. The item is the cue's object, stripped of measure words and particles; where the object
only says how ("伞能不能做大一些"), the words before the cue name the thing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pledge.kernel.errors import InvalidInput
from pledge.wishes.lexicon import blocking_word
from pledge.wishes.text import MAX_TEXT_CHARS, clauses, words

_MAKE = r"(?P<make>出|上|做|进|卖|推出|上架|来|有|上新|整|搞|安排|定制)"
_ADVERB = r"(?:也|再|多|顺便|赶紧|早点|快点|尽快|考虑)?"
_MEASURE = r"(?:一款|一个|一把|一束|一盒|一箱|一只|一些|个|款|把|点|些)?"
_TAIL = r"(?:吗|吧|呀|呢|么|嘛|呗|啊|哦|哈|好不好|可以吗|行吗|谢谢|老板|了)*$"
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("wish", rf"^(?P<before>.*?)许愿{_MEASURE}(?P<item>.+?){_TAIL}"),
        ("ask", rf"^(?P<before>.*?)(?:跪求|求求|求){_MAKE}?{_MEASURE}(?P<item>.+?){_TAIL}"),
        ("want", rf"^(?P<before>.*?)(?:好想要|想要|想买|想入){_MEASURE}(?P<item>.+?){_TAIL}"),
        (
            "can",
            rf"^(?P<before>.*?)(?:能不能|可不可以|能否|可以|能){_ADVERB}{_MAKE}{_MEASURE}(?P<item>.+?){_TAIL}",
        ),
        (
            "hope",
            rf"^(?P<before>.*?)(?:希望|期待|建议|盼望|盼着?)(?:能|可以)?{_MAKE}{_MEASURE}(?P<item>.+?){_TAIL}",
        ),
        ("have", rf"^(?P<before>.*?)(?:有没有|有无)(?P<item>.+?)(?:卖|一起卖|的款)?{_TAIL}"),
        ("have", r"^有(?P<item>.{2,}?)(?:吗|么|嘛)$"),
        ("if", r"^(?P<before>.*?)(?:要是|如果|假如)(?:能)?有?(?P<item>.+?)(?:就好了|就好|多好|就完美了).*$"),
        ("if", r"^(?P<before>)(?:出|有|上)(?P<item>.+?)的话.*(?:买|入|下单).*$"),
        ("if", r"^(?P<before>)(?P<item>.+?)就(?:好了|完美了)$"),
        ("when", rf"^(?P<item>.+?)(?:什么时候|啥时候|何时){_ADVERB}{_MAKE}{_TAIL}"),
        ("when", rf"^(?P<before>.*?)(?:什么时候|啥时候|何时){_ADVERB}{_MAKE}{_MEASURE}(?P<item>.+?){_TAIL}"),
        (
            "make",
            rf"^(?P<before>)(?:老板|主播|店家)?(?:出|来|整|搞|安排|上)(?:个|一款|一个|一把){_MEASURE}(?P<item>.+?){_TAIL}",
        ),
        ("make", r"^(?P<before>)(?:老板|主播|店家)?出(?P<item>.+?)(?:吧|呗)$"),
        ("wait", rf"^(?P<before>)(?:蹲|坐等|等等){_MEASURE}(?P<item>.+?){_TAIL}"),
    )
)
_FILLERS = frozenset("的 了 吧 呀 啊 呢 嘛 吗 呗 哦 个 款 把 只 点 些 那种 一起 老板 我 我们 大家 就".split())


@dataclass(frozen=True)
class Detection:
    wish: bool
    item: str | None
    cue: str | None  # which rule matched, for the merchant's "why"
    reason: str  # "wish", "no request", "not a product: <word>", "nothing named"

    def as_json(self) -> dict[str, object]:
        return {"wish": self.wish, "item": self.item}


def _item(before: str, after: str) -> str:
    kept = [w for w in words(after) if w not in _FILLERS]
    if kept and before and not _names_a_thing(kept):
        kept = [w for w in words(before) if w not in _FILLERS] + kept
    return "".join(kept)


_HOW_ONLY = re.compile(r"(?:更|再)?[大小多少轻重长短高低厚薄](?:一点|一些|点|些|一号|一圈)?")


def _names_a_thing(item_words: list[str]) -> bool:
    """'大一些' only says how; '大伞', '儿童款' name what."""
    return _HOW_ONLY.fullmatch("".join(item_words)) is None


def _clause(clause: str) -> Detection | None:
    for cue, pattern in _CUES:
        match = pattern.match(clause)
        if match is None:
            continue
        groups = match.groupdict()
        item = _item(groups.get("before") or "", match["item"])
        blocker = blocking_word((groups.get("make") or "") + match["item"])
        if blocker is not None:
            return Detection(False, None, cue, f"not a product: {blocker}")
        if not item:
            return Detection(False, None, cue, "nothing named")
        return Detection(True, item, cue, "wish")
    return None


def detect(text: str) -> Detection:
    if not text or not text.strip():
        raise InvalidInput("a wish needs some text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"a text of more than {MAX_TEXT_CHARS} characters is not a comment")
    refusal: Detection | None = None
    for clause in clauses(text):
        found = _clause(clause)
        if found is not None and found.wish:
            return found
        refusal = refusal or found
    return refusal or Detection(False, None, None, "no request")
