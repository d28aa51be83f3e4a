"""The rulebook page searches its clauses without JavaScript (?q= words over id, kind, source,
parameters and text; ?kind= one kind) and gives every clause an anchor to link to."""

from __future__ import annotations

import re


def test_rulebook_search_filters_clauses_by_words_kind_and_id(client):
    everything = client.get("/operator/rulebook").text
    total = everything.count('data-testid="clause-row"')
    assert total > 20 and "搜索条款" in everything and 'name="q"' in everything
    by_word = client.get("/operator/rulebook", params={"q": "揽收"}).text
    rows = by_word.count('data-testid="clause-row"')
    assert 0 < rows < total and f"共{total}条，显示{rows}条" in by_word
    assert all("揽收" in row for row in re.findall(r'(?s)data-testid="clause-row">(.*?)</tr>', by_word))
    by_id = client.get("/operator/rulebook", params={"q": "EXPERIENCE.SCHEME"}).text
    assert 'id="experience.scheme"' in by_id and by_id.count('data-testid="clause-row"') == 2  # two versions
    by_kind = client.get("/operator/rulebook", params={"kind": "experience_scheme"}).text
    assert by_kind.count('data-testid="clause-row"') == 2
    none = client.get("/operator/rulebook", params={"q": "没有这种条款"}).text
    assert 'data-testid="no-clauses"' in none and "没有符合的条款" in none
    english = client.get("/operator/rulebook", params={"q": "揽收", "lang": "en"}).text
    assert "Search clauses" in english and f"{rows} of {total} clauses" in english


def test_every_clause_has_an_anchor_and_a_copyable_link(client):
    html = client.get("/operator/rulebook").text
    rows = re.findall(r'<tr id="([^"]+)" data-testid="clause-row">', html)
    links = re.findall(r'<a href="#([^"]+)" class="anchor" data-testid="clause-link"', html)
    assert rows == links and len(set(rows)) == len(rows)  # each link points at its own row
    assert 'id="experience.scheme"' in html and html.count('<span id="experience.scheme">') == 1
