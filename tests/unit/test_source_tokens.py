"""Source tokens: what a page signs comes back as the same source; a changed, foreign or stale
token is refused, and a rotated-out secret still verifies during the rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.attribution.model import Channel, Source
from pledge.attribution.tokens import TOKEN_LIFETIME, sign, verify
from pledge.kernel.errors import InvalidInput

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
ROOM = Source(Channel.LIVE_ROOM, 12)


def test_a_signed_source_verifies_until_it_expires():
    token = sign("k1", ROOM, at=NOW)
    assert verify(["k1"], token, now=NOW) == ROOM
    assert verify(["k1"], token, now=NOW + TOKEN_LIFETIME) == ROOM
    with pytest.raises(InvalidInput, match="expired"):
        verify(["k1"], token, now=NOW + TOKEN_LIFETIME + timedelta(seconds=1))


def test_the_previous_secret_verifies_during_a_rotation_and_a_foreign_one_never():
    token = sign("old", ROOM, at=NOW)
    assert verify(["new", "old"], token, now=NOW) == ROOM
    with pytest.raises(InvalidInput, match="not one this platform signed"):
        verify(["new"], token, now=NOW)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("live_room.12", "live_room.13"),
        lambda t: t.replace("live_room", "short_video"),
        lambda t: t[:-2],
        lambda t: "",
        lambda t: t + "x" * 200,
        lambda t: None,
    ],
    ids=["other-room", "other-channel", "cut-signature", "empty", "too-long", "not-text"],
)
def test_a_changed_token_is_refused(tamper):
    with pytest.raises(InvalidInput):
        verify(["k1"], tamper(sign("k1", ROOM, at=NOW)), now=NOW)


@given(st.text(max_size=150))
def test_any_text_is_a_source_or_an_invalid_input(text):
    try:
        verify(["k1"], text, now=NOW)
    except InvalidInput:
        pass
