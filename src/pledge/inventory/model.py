"""Parcel lifecycle: one warehouse's share of a paid order, from allocation to the courier.

    allocated ──wave──▶ picking ──wave picked──▶ picked ──last scan──▶ packed
                          └────last scan (packed during the pick)──▶ packed
    packed ──waybill──▶ labelled ──pickup scan──▶ handed_over

    allocated | picking | picked | packed | labelled ──order cancelled before it left──▶ released

A released parcel's units are back on the lots they came from; a handed-over parcel is the
carrier's (its shipment is tracked by logistics)."""

from __future__ import annotations

from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class ParcelStatus(StrEnum):
    ALLOCATED = "allocated"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    LABELLED = "labelled"
    HANDED_OVER = "handed_over"
    RELEASED = "released"


P = ParcelStatus
TRANSITIONS: dict[ParcelStatus, frozenset[ParcelStatus]] = {
    P.ALLOCATED: frozenset({P.PICKING, P.RELEASED}),
    P.PICKING: frozenset({P.PICKED, P.PACKED, P.RELEASED}),
    P.PICKED: frozenset({P.PACKED, P.RELEASED}),
    P.PACKED: frozenset({P.LABELLED, P.RELEASED}),
    P.LABELLED: frozenset({P.HANDED_OVER, P.RELEASED}),
    P.HANDED_OVER: frozenset(),
    P.RELEASED: frozenset(),
}
PARCEL_LIFECYCLE = Lifecycle("parcel", ParcelStatus, TRANSITIONS)
PACKABLE = (P.PICKING.value, P.PICKED.value)  # a scan packs from the wave's pick or after it
RELEASABLE = tuple(s.value for s in PARCEL_LIFECYCLE.open)  # not yet with the carrier
