"""Upper bounds on every number and text a caller can send, chosen so that each value, and any
sum the platform makes of them, fits the database columns and the ledger.

Why these figures (Pledge defaults, not platform rules):
- ids are BIGINT: 1 .. 2^63 - 1; a larger number cannot name a row, so it is refused as input.
- money columns are BIGINT fen. One unit costs at most 10 000 000 yuan and any single amount
  (an order, a payout, a deposit, a fund) at most 1 000 000 000 yuan, so a sum of ten million
  such amounts still fits 2^63 (about 9.2e18 fen): sums over the whole platform cannot overflow.
- unit counts are INTEGER columns (32-bit on PostgreSQL): a SKU holds at most 100 000 000 units
  and one movement moves at most 1 000 000, far below 2^31.
- text columns have lengths (VARCHAR(n) on PostgreSQL); every text a caller sends has a maximum
  no larger than its column, so PostgreSQL and SQLite accept exactly the same input.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1

MAX_PRICE_FEN = 1_000_000_000  # 10 000 000 yuan for one unit of a SKU or a flash deal
MAX_AMOUNT_FEN = 100_000_000_000  # 1 000 000 000 yuan: any single money amount
MAX_RATE_BP = 10_000  # 100 %

MAX_QUANTITY = 999  # units of one SKU in one cart line, order or after-sales case line
MAX_STOCK = 100_000_000  # units of one SKU for sale, or in one warehouse
MAX_UNITS_MOVED = 1_000_000  # units in one receipt line, adjustment, count or flash deal
MAX_COUNT = 1_000_000  # any other count a caller sets (task orders, priority, thresholds)
MAX_DAYS = 3_660  # about ten years: any span of days or hours a caller sets

# Text: characters, each no longer than the column it is stored in.
TITLE_MAX = 100  # product, deal and content titles (order lines store "title · name" in 300)
NAME_MAX = 60  # SKU, warehouse, program, fund and people's names
CODE_MAX = 40  # machine words: kinds, reasons, carriers, channels, codes
REASON_MAX = 200  # a one-line reason stored in VARCHAR(200)
NOTE_MAX = 2_000  # free text stored in TEXT: notes, messages, review bodies
DESCRIPTION_MAX = 5_000  # product and shop descriptions
SECRET_MAX = 200  # e-mail addresses and passwords: hashing a megabyte password is a denial of service
