"""Is this upload an MP4 video, and what is in it? Read from the container itself (ISO base media
file format, ISO/IEC 14496-12), never from the file name or the browser's word: the `ftyp` box
first with an MP4 brand, a `moov` box with the movie header (`mvhd`: timescale and duration) and
at least one video track (`trak` whose `hdlr` is `vide`, with its size in `tkhd`), and an `mdat`
box holding the media. Pure and bounded: at most MAX_BOXES boxes, MAX_DEPTH levels, no box
reaching past the end of the file, so a crafted file cannot make the parser loop or read wild."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pledge.kernel.errors import InvalidInput

BRANDS = frozenset({b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"})
CONTAINERS = frozenset({b"moov", b"trak", b"mdia"})
MAX_BOXES = 10_000
MAX_DEPTH = 4
NOT_MP4 = "only MP4 videos are accepted"


@dataclass(frozen=True)
class Mp4Info:
    brand: str
    duration_ms: int
    width: int
    height: int


@dataclass(frozen=True)
class _Box:
    kind: bytes
    start: int  # first byte of the payload
    end: int


def _boxes(data: bytes, start: int, end: int, budget: list[int]) -> list[_Box]:
    found, at = [], start
    while at < end:
        if end - at < 8:
            raise InvalidInput(f"{NOT_MP4}: a box header is cut off")
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            if end - at < 16:
                raise InvalidInput(f"{NOT_MP4}: a box header is cut off")
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise InvalidInput(f"{NOT_MP4}: a box runs past the end of the file")
        budget[0] -= 1
        if budget[0] < 0:
            raise InvalidInput(f"{NOT_MP4}: too many boxes")
        found.append(_Box(kind, at + header, at + size))
        at += size
    return found


def _tree(data: bytes) -> dict[bytes, list]:
    """Top-level boxes, and the children of the container boxes that matter, as nested lists."""
    budget = [MAX_BOXES]

    def walk(start: int, end: int, depth: int) -> list:
        if depth > MAX_DEPTH:
            raise InvalidInput(f"{NOT_MP4}: boxes nested too deep")
        out = []
        for box in _boxes(data, start, end, budget):
            children = walk(box.start, box.end, depth + 1) if box.kind in CONTAINERS else []
            out.append((box, children))
        return out

    return {b"": walk(0, len(data), 0)}


def _find(nodes: list, kind: bytes) -> list:
    return [(box, children) for box, children in nodes if box.kind == kind]


def _movie_header(data: bytes, box: _Box) -> tuple[int, int]:
    """(timescale, duration) of an mvhd box, version 0 or 1."""
    version = data[box.start] if box.end > box.start else None
    if version == 0 and box.end - box.start >= 20:
        return struct.unpack_from(">II", data, box.start + 12)
    if version == 1 and box.end - box.start >= 32:
        timescale, duration = struct.unpack_from(">IQ", data, box.start + 20)
        return timescale, duration
    raise InvalidInput(f"{NOT_MP4}: the movie header is damaged")


def _track_size(data: bytes, box: _Box) -> tuple[int, int]:
    """Width and height (16.16 fixed point, the last 8 bytes) of a tkhd box."""
    if box.end - box.start < 84:
        raise InvalidInput(f"{NOT_MP4}: a track header is damaged")
    width, height = struct.unpack_from(">II", data, box.end - 8)
    return width >> 16, height >> 16


def _handler(data: bytes, box: _Box) -> bytes:
    return data[box.start + 8 : box.start + 12] if box.end - box.start >= 12 else b""


def _video_track(data: bytes, moov: list) -> tuple[int, int]:
    for _, trak in _find(moov, b"trak"):
        for _, mdia in _find(trak, b"mdia"):
            if any(_handler(data, hdlr) == b"vide" for hdlr, _ in _find(mdia, b"hdlr")):
                for tkhd, _ in _find(trak, b"tkhd"):
                    return _track_size(data, tkhd)
    raise InvalidInput(f"{NOT_MP4}: the file has no video track")


def inspect(data: bytes) -> Mp4Info:
    """What the MP4 holds, or InvalidInput saying why it is not one."""
    if len(data) < 8 or data[4:8] != b"ftyp":
        raise InvalidInput(f"{NOT_MP4}: the file does not start as an MP4 (ftyp)")
    top = _tree(data)[b""]
    ftyp = top[0][0]
    brand = data[ftyp.start : ftyp.start + 4]
    compatible = {data[i : i + 4] for i in range(ftyp.start + 8, ftyp.end - 3, 4)}
    if brand not in BRANDS and not (compatible & BRANDS):
        raise InvalidInput(f"{NOT_MP4}: brand {brand.decode('latin-1')!r} is not an MP4 brand")
    moovs = _find(top, b"moov")
    if len(moovs) != 1 or not _find(top, b"mdat"):
        raise InvalidInput(f"{NOT_MP4}: the movie (moov) or its media (mdat) is missing")
    moov = moovs[0][1]
    headers = _find(moov, b"mvhd")
    if not headers:
        raise InvalidInput(f"{NOT_MP4}: the movie header is missing")
    timescale, duration = _movie_header(data, headers[0][0])
    if timescale == 0:
        raise InvalidInput(f"{NOT_MP4}: the movie header is damaged")
    width, height = _video_track(data, moov)
    return Mp4Info(brand.decode("latin-1").strip(), duration * 1000 // timescale, width, height)
