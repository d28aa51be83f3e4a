"""Settlement: commission, programs, deposits, payouts and statements (issue 6)."""
