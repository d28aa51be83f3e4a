"""Logistics: the carrier tracking webhook, the logistics rules (slow and abnormal tracking, out
of stock, fraudulent shipping) paid exactly once through the ledger, and the sanctions from
daily late rates, enforced at checkout."""
