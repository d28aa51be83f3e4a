"""The statement PDF shows each line in Chinese and English, and text a person typed (a bank's
return reason, a shop name) stays text even when it looks like markup."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from pledge.settlement.statements import TOTAL_LABELS, to_pdf


def test_lines_are_bilingual_and_typed_text_is_not_markup():
    zero = {key: 0 for key in TOTAL_LABELS}
    data = {
        "shop_name": "伞厂 <飞恋> & 合伙人",
        "month": "2026-09",
        "rulebook": "douyin 2026-08-10",
        "opening_fen": 0,
        "closing_fen": 5000,
        "totals": dict(zero, payout_returns=5000),
        "ledger_totals": dict(zero, payout_returns=5000),
        "net_fen": 5000,
        "reconciled": True,
        "lines": [
            {
                "at": datetime(2026, 9, 2, 4, tzinfo=UTC),
                "kind": "payout_return",
                "order_id": None,
                "amount_fen": 5000,
                "description": "payout 7 returned by the bank: account <closed> & renamed",
                "description_zh": "提现 7 被银行退回：account <closed> & renamed",
                "clause_id": "settlement.available-after-aftersales",
                "clause_source": "douyin:aJmYzDVDDjey",
                "program": "",
            }
        ],
    }
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(to_pdf(data, "Asia/Shanghai"))).pages)
    assert "伞厂 <飞恋> & 合伙人" in text
    assert "提现 7 被银行退回" in text and "account <closed> & renamed" in text
    assert "payout 7 returned by the bank" in text and "50.00" in text
