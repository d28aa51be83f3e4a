"""The CJK font every PDF embeds (statements, shipping labels): Noto Sans SC from the
pylopdf-fonts-zh-cn package, cut down to the characters one document uses.

ReportLab embeds only TrueType outlines and Noto Sans SC ships PostScript (CFF) outlines, so
the subset is converted to quadratic TrueType curves with fontTools before ReportLab sees it.
A subset of a few hundred glyphs converts in about a second; the result is cached by its
character set and registered under a name derived from that set (a long-running server
registers one small font per distinct character set it prints)."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from pylopdf_fonts_zh_cn import sans_path
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportLabFont

# Always present, whatever the document says: digits, Latin letters, the yuan sign and the
# punctuation the writers add themselves.
BASE_CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "¥·—–→×、，。：；（）【】「」《》！？％"
MAX_CURVE_ERROR = 1.0  # font units (of 1000): invisible at any printed size


def cjk_font(*texts: str) -> str:
    """Register a font holding every character of `texts` and return its ReportLab name."""
    characters = "".join(sorted(set(BASE_CHARACTERS).union(*texts) - {"\n", "\r", "\t"}))
    name = "NotoSansSC-" + hashlib.sha256(characters.encode("utf-8")).hexdigest()[:12]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(ReportLabFont(name, io.BytesIO(_truetype_subset(name, characters))))
    return name


@lru_cache(maxsize=32)
def _truetype_subset(name: str, characters: str) -> bytes:
    """The subset as TrueType, its PostScript name set to `name`: ReportLab shares one font
    object between registrations of the same face name, so each subset needs its own."""
    font = TTFont(str(sans_path()), lazy=True)
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    _cff_to_glyf(font)
    for record in font["name"].names:
        if record.nameID == 6:
            record.string = name
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _cff_to_glyf(font: TTFont) -> None:
    """Replace the PostScript outlines with TrueType ones (fontTools' otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_CURVE_ERROR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    glyf.compile(font)
    metrics = font["hmtx"].metrics
    for name, glyph in glyf.glyphs.items():
        metrics[name] = (metrics[name][0], getattr(glyph, "xMin", 0))
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
