"""The MP4 check reads the container, not the file name: a real phone-style MP4 passes with its
duration and size; anything else, damaged or crafted, is refused with InvalidInput (never another
exception, never a loop)."""

from __future__ import annotations

import struct
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.kernel.errors import InvalidInput
from pledge.videos.mp4 import MAX_BOXES, inspect

SAMPLE = (resources.files("pledge") / "demo" / "media" / "sunflower.mp4").read_bytes()


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


FTYP = box(b"ftyp", b"isom" + b"\0\0\2\0" + b"isomiso2avc1mp41")


def test_the_florists_video_is_an_mp4_of_four_seconds_in_portrait():
    info = inspect(SAMPLE)
    assert (info.brand, info.duration_ms, info.width, info.height) == ("isom", 4000, 360, 640)


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "does not start"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "does not start"),
        (SAMPLE[: len(SAMPLE) // 2], "past the end"),
        (FTYP + box(b"mdat", b"\0" * 16), "missing"),
        (box(b"ftyp", b"qt  \0\0\0\0qt  ") + box(b"moov") + box(b"mdat"), "not an MP4 brand"),
        (FTYP + struct.pack(">I4s", 4, b"moov"), "past the end"),
        (FTYP + struct.pack(">I4sQ", 1, b"moov", 2**40), "past the end"),
    ],
    ids=["empty", "png", "truncated", "no-moov", "quicktime", "tiny-box", "huge-largesize"],
)
def test_what_is_not_an_mp4_is_refused_saying_why(data, why):
    with pytest.raises(InvalidInput, match=why):
        inspect(data)


def test_an_mp4_without_a_video_track_is_refused():
    audio_only = SAMPLE.replace(b"vide", b"soun")
    with pytest.raises(InvalidInput, match="no video track"):
        inspect(audio_only)


def test_a_file_of_countless_boxes_is_refused_without_reading_them_all():
    crafted = FTYP + box(b"free") * (MAX_BOXES + 5)
    with pytest.raises(InvalidInput, match="too many boxes"):
        inspect(crafted)


def test_boxes_nested_too_deep_are_refused():
    nested = box(b"mdia")
    for _ in range(6):
        nested = box(b"trak", nested)
    with pytest.raises(InvalidInput, match="too deep"):
        inspect(FTYP + box(b"moov", nested) + box(b"mdat"))


def test_a_version_1_movie_header_is_read():
    mvhd = box(b"mvhd", b"\1\0\0\0" + b"\0" * 16 + struct.pack(">IQ", 1000, 90_500) + b"\0" * 80)
    tkhd = box(b"tkhd", b"\0" * 76 + struct.pack(">II", 1080 << 16, 1920 << 16))
    mdia = box(b"mdia", box(b"hdlr", b"\0" * 8 + b"vide" + b"\0" * 12))
    data = FTYP + box(b"moov", mvhd + box(b"trak", tkhd + mdia)) + box(b"mdat", b"\0" * 8)
    info = inspect(data)
    assert (info.duration_ms, info.width, info.height) == (90_500, 1080, 1920)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=len(SAMPLE)))
def test_any_bytes_are_an_mp4_or_an_invalid_input(noise, cut):
    for data in (noise, FTYP + noise, SAMPLE[:cut] + noise):
        try:
            inspect(data)
        except InvalidInput:
            pass
