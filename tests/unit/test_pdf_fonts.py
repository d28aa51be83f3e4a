"""PDFs embed their Chinese font (Noto Sans SC from pylopdf-fonts-zh-cn, converted to TrueType
outlines): the statement's text extracts as written and the embedded subset has the glyphs of
结算, so a viewer without Chinese fonts shows it too."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from fontTools.ttLib import TTFont
from pypdf import PdfReader

from pledge.kernel.pdf_fonts import cjk_font
from pledge.settlement.statements import TOTAL_LABELS, to_pdf


def drawable_characters(pdf: bytes) -> set[str]:
    """The characters the PDF can draw from an embedded TrueType font program (FontFile2):
    its ToUnicode map gives each code's character, the program's own cmap the code's glyph,
    and a character counts when that glyph has outlines."""
    found: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None or "/FontFile2" not in descriptor.get_object() or "/ToUnicode" not in font:
                continue
            program = TTFont(io.BytesIO(descriptor.get_object()["/FontFile2"].get_object().get_data()))
            glyph_of_code = program["cmap"].tables[0].cmap
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("ascii")
            for code, char in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]{4})>", to_unicode):
                name = glyph_of_code.get(int(code, 16))
                if name is not None and program["glyf"][name].numberOfContours:
                    found.add(chr(int(char, 16)))
    return found


def statement(description_zh: str) -> dict:
    zero = {key: 0 for key in TOTAL_LABELS}
    return {
        "shop_id": 1,
        "shop_name": "小阿阮鲜花",
        "month": "2026-09",
        "rulebook": "douyin 2026-08-10",
        "opening_fen": 0,
        "closing_fen": -2397,
        "totals": dict(zero, fees=-2397),
        "ledger_totals": dict(zero, fees=-2397),
        "net_fen": -2397,
        "reconciled": True,
        "lines": [
            {
                "at": datetime(2026, 9, 2, 4, tzinfo=UTC),
                "kind": "fee",
                "order_id": 7,
                "amount_fen": -2397,
                "description": "commission on order 7",
                "description_zh": description_zh,
                "clause_id": "commission.rate.flowers",
                "clause_source": "douyin:aJmYzDVDDjey",
                "program": "",
            }
        ],
    }


def test_statement_pdf_embeds_a_cjk_font_with_the_glyphs_of_its_text():
    pdf = to_pdf(statement("订单 7 的技术服务费，月底结算"), "Asia/Shanghai")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "月底结算" in text and "对账单" in text and "小阿阮鲜花" in text
    assert set("结算对账单小阿阮鲜花") <= drawable_characters(pdf)
    assert b"STSong" not in pdf  # the unembedded CID font is gone


def test_the_font_subset_holds_the_text_asked_for_and_is_reused():
    first = cjk_font("体验分 结算")
    assert first == cjk_font("结算 体验分") and first.startswith("NotoSansSC-")
    assert first != cjk_font("保证金")


def test_documents_with_different_text_each_keep_their_own_glyphs():
    """ReportLab shares a font object between registrations of one face name: each subset is
    renamed, so the second document does not print the first one's glyphs (or none)."""
    first = to_pdf(dict(statement("甲"), shop_name="甲乙丙花店"), "Asia/Shanghai")
    second = to_pdf(dict(statement("丁"), shop_name="伞厂 <飞恋> & 合伙人"), "Asia/Shanghai")
    assert "甲乙丙花店" in PdfReader(io.BytesIO(first)).pages[0].extract_text()
    assert "伞厂 <飞恋> & 合伙人" in PdfReader(io.BytesIO(second)).pages[0].extract_text()
