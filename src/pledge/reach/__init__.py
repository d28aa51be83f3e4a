"""Reach: behaviour events, recommendations and their offline evaluation (docs/reach.md)."""
