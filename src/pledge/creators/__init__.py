"""Creators and affiliate selling (精选联盟): the creators' commissions and the platform's fees on
them by douyin:aJoPPkXtaG25 (docs/creators.md)."""
