"""Trust & safety enforcement (issue 14): the reviewer queue, decisions, penalties by rulebook,
stream cuts, appeals and the transparency report. The checks themselves (pledge.moderation) stay
pure and below; this package records what they and people decided and applies the effects through
the owning domains' use cases (catalog, live, accounts)."""
