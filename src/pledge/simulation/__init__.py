"""`pledge simulate`: drive the whole platform through its services on an injected clock (orders,
payments, shipping with seeded lateness, carrier events, after-sales cases, chats, reviews and the
worker's passes), for load tests and realistic demos. Deterministic by seed (docs/simulate.md)."""
