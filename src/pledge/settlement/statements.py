"""A statement as CSV, in Chinese or English (UTF-8 with BOM, so spreadsheet programs read the
Chinese; amounts in yuan), and as PDF (reportlab, Chinese in the embedded Noto Sans SC subset of
pledge.kernel.pdf_fonts, so every viewer shows it)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pledge.kernel.clock import zone
from pledge.kernel.money import format_yuan
from pledge.kernel.pdf_fonts import cjk_font

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle

TOTAL_LABELS = {
    "sales": ("销售额", "Sales"),
    "fees": ("技术服务费", "Commission"),
    "fee_refunds": ("退还技术服务费", "Commission returned"),
    "refunds": ("退款", "Refunds"),
    "deductions": ("扣款（晚发赔付）", "Deductions (late-ship)"),
    "rebates": ("返佣", "Rebates"),
    "payouts": ("提现", "Payouts"),
    "payout_returns": ("提现退回", "Payouts returned"),
    "deposits": ("保证金缴纳", "Deposit paid in"),
    "affiliate": ("达人推广费", "Creator commissions"),
    "affiliate_returns": ("退回达人推广费", "Creator commissions returned"),
    "sample_sales": ("买样货款", "Paid samples kept"),
}
LINE_KIND_LABELS = {
    "sale": "销售",
    "fee": "技术服务费",
    "fee_refund": "退还技术服务费",
    "refund": "退款",
    "deduction": "扣款（晚发赔付）",
    "rebate": "返佣",
    "payout": "提现",
    "payout_return": "提现退回",
    "deposit": "保证金缴纳",
    "affiliate": "达人推广费",
    "affiliate_return": "退回达人推广费",
    "sample_sale": "买样货款",
}


@dataclass(frozen=True)
class StatementWords:
    """What a statement's CSV and PDF call its party (the shop, or a creator: creators.statements),
    the data key holding its name, its totals and its line kinds."""

    party: tuple[str, str]  # (English, Chinese) header of the name cell
    name_key: str
    totals: dict[str, tuple[str, str]]
    kinds: dict[str, str]


SHOP_WORDS = StatementWords(("shop", "店铺"), "shop_name", TOTAL_LABELS, LINE_KIND_LABELS)
COLUMNS = ("time", "kind", "order_id", "amount_yuan", "description", "clause_id", "clause_source", "program")
COLUMNS_ZH = ("时间（北京时间）", "类型", "订单号", "金额（元）", "说明", "条款", "条款出处", "活动")
# The words around the rows, per language: shop, month, rulebook, the totals header, net,
# opening, closing, reconciled and its two answers.
CSV_WORDS = {
    "en": (
        "shop",
        "month",
        "rulebook",
        ("total", "statement_yuan", "ledger_yuan"),
        "net",
        "opening",
        "closing",
        "reconciled",
        "yes",
        "NO",
    ),
    "zh_CN": (
        "店铺",
        "月份",
        "规则",
        ("项目", "对账单（元）", "账本（元）"),
        "净额",
        "期初余额",
        "期末余额",
        "与账本一致",
        "是",
        "否",
    ),
}


# Every Chinese word the PDF writes around the data (its title and table headings): the font
# subset must hold them.
PDF_HEADINGS = "对账单 规则 期初 期末 项目 账本 净额 与账本一致 时间 类型 订单 金额 说明 条款"


def _local(at, tz: str) -> str:
    return at.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M:%S")


def to_csv(data: dict, tz: str, lang: str = "en", words: StatementWords = SHOP_WORDS) -> bytes:
    """The statement for a spreadsheet: in English (codes as the API names them) or in Chinese
    (headers, kinds, totals and descriptions in Chinese); amounts in yuan, times in `tz`."""
    zh = lang == "zh_CN"
    _, month, book, head, net, opening, closing, reconciled, yes, no = CSV_WORDS["zh_CN" if zh else "en"]
    out = io.StringIO()
    w = csv.writer(out)
    party = words.party[1] if zh else words.party[0]
    w.writerow([party, data[words.name_key], month, data["month"], book, data["rulebook"]])
    w.writerow(COLUMNS_ZH if zh else COLUMNS)
    for line in data["lines"]:
        w.writerow(
            [
                _local(line["at"], tz),
                words.kinds.get(line["kind"], line["kind"]) if zh else line["kind"],
                line["order_id"] or "",
                format_yuan(line["amount_fen"]),
                line["description_zh"] if zh else line["description"],
                line["clause_id"],
                line["clause_source"],
                line["program_zh"] if zh else line["program"],
            ]
        )
    w.writerow([])
    w.writerow(head)
    for key, value in data["totals"].items():
        w.writerow(
            [words.totals[key][0] if zh else key, format_yuan(value), format_yuan(data["ledger_totals"][key])]
        )
    w.writerow([net, format_yuan(data["net_fen"]), format_yuan(sum(data["ledger_totals"].values()))])
    w.writerow([opening, format_yuan(data["opening_fen"])])
    w.writerow([closing, format_yuan(data["closing_fen"])])
    w.writerow([reconciled, yes if data["reconciled"] else no])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_pdf(data: dict, tz: str, words: StatementWords = SHOP_WORDS) -> bytes:
    from xml.sax.saxutils import escape  # Paragraph reads markup: a note with < or & must stay text

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font(
        str(data), str(words.totals), "对账单规则期初期末项目账本净额与一致时间类型订单金额说明条款"
    )
    body = ParagraphStyle("body", fontName=font, fontSize=7, leading=9)
    title = ParagraphStyle("title", fontName=font, fontSize=14, leading=18)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), title=f"Statement {data['month']}", leftMargin=24, rightMargin=24
    )
    story = [
        Paragraph(escape(f"对账单 Statement · {data[words.name_key]} · {data['month']}"), title),
        Paragraph(
            f"规则 Rulebook: {data['rulebook']} · 期初 Opening {format_yuan(data['opening_fen'])} · "
            f"期末 Closing {format_yuan(data['closing_fen'])}",
            body,
        ),
        Spacer(1, 6),
    ]
    totals = _totals_rows(data, words.totals)
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ]
    )
    story += [Table(totals, style=style, hAlign="LEFT"), Spacer(1, 10)]
    rows = _line_rows(data, tz, body)
    line_style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 7),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (3, 0), (3, -1), "RIGHT"),
        ]
    )
    story.append(
        Table(rows, colWidths=[80, 55, 45, 55, 360, 190], style=line_style, repeatRows=1, hAlign="LEFT")
    )
    doc.build(story)
    return buf.getvalue()


def _totals_rows(data: dict, labels: dict[str, tuple[str, str]]) -> list[list[str]]:
    """Each total as the statement and the ledger count it, the net, and whether they agree."""
    totals = [["项目 Item", "对账单 Statement", "账本 Ledger"]]
    for key, value in data["totals"].items():
        zh, en = labels[key]
        totals.append([f"{zh} {en}", format_yuan(value), format_yuan(data["ledger_totals"][key])])
    totals.append(
        ["净额 Net", format_yuan(data["net_fen"]), format_yuan(sum(data["ledger_totals"].values()))]
    )
    totals.append(["与账本一致 Reconciled", "yes" if data["reconciled"] else "NO", ""])
    return totals


def _line_rows(data: dict, tz: str, body: ParagraphStyle) -> list[list]:
    """One table row per statement line, both languages in the description cell."""
    from xml.sax.saxutils import escape  # Paragraph reads markup: a note with < or & must stay text

    from reportlab.platypus import Paragraph

    rows = [["时间 Time", "类型 Kind", "订单 Order", "金额 Amount", "说明 Description", "条款 Clause"]]
    for line in data["lines"]:
        rows.append(
            [
                _local(line["at"], tz),
                line["kind"],
                str(line["order_id"] or ""),
                format_yuan(line["amount_fen"]),
                Paragraph(
                    escape(line["description_zh"])
                    + "<br/>"
                    + escape(line["description"])
                    + (f" [{escape(line['program'])}]" if line["program"] else ""),
                    body,
                ),
                Paragraph(escape(f"{line['clause_id']} ({line['clause_source']})"), body),
            ]
        )
    return rows
