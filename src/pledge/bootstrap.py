"""The one place that builds the engine, unit of work, clock, rulebook and adapters."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from pledge.attribution.model import Channel, Dispatcher, SourceResolver
from pledge.blindboxes import services as blindboxes
from pledge.catalog.guards import ListingGuard, Probed, Purchase, SaleGuard, Screening
from pledge.config import Settings, weakness
from pledge.creators.safety import CreatorRoomGuard
from pledge.creators.sources import CreatorContent, CreatorShowcaseSources
from pledge.governance import guards as governance_guards
from pledge.governance import intake
from pledge.governance.guards import PenaltyGuard
from pledge.governance.model import Subject
from pledge.kernel.clock import Clock, OffsetClock, SystemClock
from pledge.kernel.db import UnitOfWork, make_engine
from pledge.kernel.errors import Forbidden, NotFound
from pledge.kernel.heard import Listener, Nobody
from pledge.kernel.indexing import wire as wire_indexer
from pledge.kernel.kv import get_or_create_value, get_value, set_value, settings_kv
from pledge.kernel.screening import Held, Outcome
from pledge.kernel.screening import Screening as TextScreening
from pledge.live.guards import LiveGuard
from pledge.live.hub import Hub
from pledge.live.model import Verdict as LiveVerdict
from pledge.live.moderation import AllowAll, CommentContext, Moderator
from pledge.live.sources import LiveRoomSources
from pledge.logistics import sanctions
from pledge.minors import services as minors
from pledge.moderation.checks import Context, Result, Verdict, check, refuse_if_blocked
from pledge.payments.adapters import PaymentProvider, SandboxProvider
from pledge.reach.recording import EventBuffer
from pledge.rulebooks.loader import Rulebook, load
from pledge.search.services import SearchIndexer
from pledge.settlement import deposits
from pledge.settlement.deposits import refuse_listing_while_short
from pledge.sms.port import SandboxSms, SmsSender
from pledge.uploads.store import FileStore, LocalFileStore
from pledge.videos.sources import VideoSources
from pledge.wishes.offers import FirstAccess
from pledge.wishes.services import WishListener

CLOCK_OFFSET_KEY = "demo_clock_offset_seconds"
DEMO_SECRETS = ("secret_key", "payment_secret")  # generated per demo database unless set strongly
# The checks that may refuse a sale or a listing, owned by packages above catalog and orders and
# passed down to them (catalog.guards): a shop whose deposit has been below zero for 48 h
# (settlement), then sanctions from late rates (logistics).
# Then a suspension or removal by a trust & safety penalty (governance).
# Each with its probe, read with checkout's SKUs, so a shop none of them concerns costs no statement.
SALE_GUARDS: tuple[SaleGuard, ...] = (
    Probed(deposits.refuse_sale_while_short, deposits.may_refuse_sale),
    Probed(sanctions.assert_can_sell, sanctions.may_refuse_sale),
    Probed(governance_guards.refuse_sale_while_suspended, governance_guards.may_refuse_sale),
)
# Listing: the deposit, then a penalty's suspension (and, for presale, its 关闭预售): PenaltyGuard.
LISTING_GUARDS: tuple[ListingGuard, ...] = (refuse_listing_while_short,)
# What buying from a live room or a short video binds (attribution), owned above checkout.
# A creator's room, video or showcase attributes the order to the creator (creators.sources).
SOURCES: SourceResolver = Dispatcher(
    {
        Channel.LIVE_ROOM: CreatorContent(LiveRoomSources()),
        Channel.SHORT_VIDEO: CreatorContent(VideoSources()),
        Channel.SHOWCASE: CreatorShowcaseSources(),
    }
)


@dataclass
class App:
    settings: Settings
    uow: UnitOfWork
    clock: Clock
    rulebook: Rulebook
    payments: PaymentProvider
    files: FileStore
    hub: Hub = field(default_factory=Hub)  # one per process: live-room events to viewers (pledge.live.hub)
    moderator: Moderator = field(default_factory=AllowAll)  # every live comment passes it
    sms: SmsSender = field(default_factory=SandboxSms)  # verification texts (pledge.sms.port)
    # hears live comments, buyers' chat messages and reviews (pledge.kernel.heard): the wish pool
    listener: Listener = field(default_factory=Nobody)
    events: EventBuffer = field(default_factory=EventBuffer)  # behaviour events, flushed by the sweep pass

    @property
    def pay_window(self) -> timedelta:
        return timedelta(minutes=self.settings.pay_window_minutes)

    @property
    def sale_guards(self) -> tuple[SaleGuard, ...]:
        return (*SALE_GUARDS, BuyerChecks(self.rulebook), FirstAccess())

    @property
    def sources(self) -> SourceResolver:
        return SOURCES

    @property
    def source_secrets(self) -> tuple[str, ...]:
        """The keys of signed source tokens: the current secret, and the one being rotated out."""
        return (self.settings.secret_key, self.settings.secret_key_previous)

    @property
    def listing_guards(self) -> tuple[ListingGuard, ...]:
        return (*LISTING_GUARDS, self.penalties)

    @property
    def penalties(self) -> PenaltyGuard:
        """Trust & safety penalties in force (pledge.governance.guards): suspensions, presale
        closed, live bans and proceeds frozen, as listing, go-live and payout guards."""
        return PenaltyGuard(self.rulebook.timezone)

    @property
    def live_guards(self) -> tuple[LiveGuard, ...]:
        return (self.penalties, CreatorRoomGuard())  # a removed creator's room stays off air

    @property
    def payout_guards(self) -> tuple[PenaltyGuard, ...]:
        return (self.penalties,)

    @property
    def listing_screen(self) -> ListingChecks:
        return ListingChecks(self.rulebook, self.clock, self.uow)

    @property
    def comment_screen(self) -> ContentChecks:
        """Reviews and chat messages (the `comment` context, as live comments)."""
        return ContentChecks(self.rulebook, self.clock, Context.COMMENT, self.uow)

    @property
    def live_screen(self) -> ContentChecks:
        """Live room and session titles, transcript lines (the `live` context)."""
        return ContentChecks(self.rulebook, self.clock, Context.LIVE)


def read_clock_offset(uow: UnitOfWork) -> timedelta:
    with uow.read() as conn:
        return timedelta(seconds=float(get_value(conn, CLOCK_OFFSET_KEY) or 0))


def clock_refreshes(app: App) -> bool:
    """Whether the clock has a shared offset to load (the demo clock) before a request."""
    return getattr(app.clock, "refresh", None) is not None


def refresh_clock(app: App) -> None:
    """Load the demo clock's shared offset (other clocks have nothing to load). Call it outside
    any transaction: at the start of a request or a worker pass, never inside a unit of work."""
    refresh = getattr(app.clock, "refresh", None)
    if refresh is not None:
        refresh()


def advance_demo_clock(app: App, delta: timedelta) -> timedelta:
    """Demo mode only: move the shared clock forward for every process on this database."""
    if not app.settings.demo_mode:
        raise Forbidden("the clock can only be advanced in demo mode (PLEDGE_DEMO_MODE=1)")
    if delta <= timedelta(0):
        raise Forbidden("the clock only moves forward")
    with app.uow.begin() as conn:
        offset = timedelta(seconds=float(get_value(conn, CLOCK_OFFSET_KEY) or 0)) + delta
        set_value(conn, CLOCK_OFFSET_KEY, str(offset.total_seconds()))
    if isinstance(app.clock, OffsetClock):
        app.clock.moved_to(offset)
    return offset


def demo_secrets(settings: Settings, uow: UnitOfWork) -> Settings:
    """Demo mode needs no configured secrets: each demo database gets its own random ones,
    kept in it so they survive restarts and every process on it agrees. A strong secret set in
    the environment is kept."""
    weak = [name for name in DEMO_SECRETS if weakness(getattr(settings, name))]
    if not weak:
        return settings
    with uow.begin() as conn:
        if not inspect(conn).has_table(settings_kv.name):
            raise NotFound(
                "the database has no Pledge schema yet: run `pledge db upgrade` (or `pledge demo`) first"
            )
        generated = {
            name: get_or_create_value(conn, f"demo_{name}", lambda: secrets.token_urlsafe(32))
            for name in weak
        }
    return settings.model_copy(update=generated)


def record_afterwards(uow: UnitOfWork | None, entry: intake.Entry, at: datetime) -> None:
    """A refusal's record in the reviewer queue: the refused use case rolls back (and on SQLite
    holds the write lock until then), so the record is handed to the unit of work's outbox and
    written in a transaction of its own as soon as that one ends, before the request answers."""

    def write(conn: Connection) -> None:
        intake.enqueue(conn, entry, at=at)

    if uow is not None:
        uow.afterwards(write)


@dataclass(frozen=True)
class CommentChecks:
    """Live's moderation port answered by the trust & safety checks (pledge.moderation): a
    comment the checks would hold for review or block is stored as held, so it reaches nobody
    but its author (issue 14: "blocked ones reach nobody but their author"), and is recorded in
    the reviewer queue (pledge.governance.intake) with the comment, in its transaction."""

    book: Rulebook
    clock: Clock

    def moderate(self, text: str, context: CommentContext) -> LiveVerdict:
        result = check(text, Context.COMMENT, self.book, self.clock.now())
        return LiveVerdict.ALLOW if result.verdict is Verdict.ALLOW else LiveVerdict.HOLD

    def hold(
        self, conn: Connection, comment_id: int, text: str, context: CommentContext, *, at: datetime
    ) -> None:
        result = check(text, Context.COMMENT, self.book, at)
        entry = intake.from_check(
            result, Subject.COMMENT, comment_id, text, shop_id=context.shop_id, author_id=context.user_id
        )
        intake.enqueue(conn, entry, at=at)


@dataclass(frozen=True)
class BuyerChecks:
    """The purchase guard (catalog.guards.PurchaseGuard) that looks at the buyer, run by
    orders.create_orders: minors' rules and a blind-box series' draw limit before the orders are
    written, then one blind-box draw per unit with them (pledge.minors, pledge.blindboxes)."""

    book: Rulebook

    def __call__(self, conn: Connection, shop_products: Mapping[int, set[int]], *, at: datetime) -> None:
        """Shops and products alone decide nothing here."""

    def check_purchase(self, conn: Connection, purchase: Purchase, *, at: datetime) -> None:
        minors.check_purchase(conn, self.book, purchase, at=at, blind_box=purchase.has_blind_box)
        if purchase.has_blind_box:
            blindboxes.check_draw_limits(conn, self.book, purchase, at=at)

    def record_purchase(self, conn: Connection, purchase: Purchase, *, at: datetime) -> None:
        if purchase.has_blind_box:
            blindboxes.record_draws(conn, self.book, purchase, at=at)


@dataclass(frozen=True)
class ListingChecks:
    """Catalog's listing screen answered by the trust & safety checks: a title, description or
    SKU name the checks block is refused (422 naming the term and the clause) and the refusal is
    recorded (its own short transaction, since the listing's rolls back); one they send to review
    waits unpublished in the reviewer queue (pledge.governance)."""

    book: Rulebook
    clock: Clock
    uow: UnitOfWork | None = None

    def __call__(self, texts: Sequence[tuple[str, str]]) -> Screening:
        at = self.clock.now()
        worst: tuple[str, Result] | None = None
        for field_name, text in texts:
            result = check(text, Context.LISTING, self.book, at)
            if result.verdict is Verdict.BLOCK:
                self._record_refusal(text, result)
                refuse_if_blocked(text, result, field_name)
            if result.verdict is Verdict.REVIEW and worst is None:
                worst = (text, result)
        return Screening() if worst is None else Screening(publish=False, evidence=worst)

    def _record_refusal(self, text: str, result: Result) -> None:
        record_afterwards(self.uow, intake.from_check(result, Subject.LISTING, None, text), self.clock.now())

    def hold(
        self, conn: Connection, *, shop_id: int, product_id: int, screening: Screening, at: datetime
    ) -> None:
        text, result = cast(tuple[str, Result], screening.evidence)
        intake.enqueue(
            conn, intake.from_check(result, Subject.LISTING, product_id, text, shop_id=shop_id), at=at
        )


# The fields of the texts reviews and chat messages are admitted under (kernel.screening), and
# what a refused one is recorded as.
WORDS_FIELDS = {"review": Subject.REVIEW, "message": Subject.CHAT_MESSAGE}


@dataclass(frozen=True)
class ContentChecks:
    """The content-screen port (kernel.screening) answered by the trust & safety checks in one
    context: blocked text is refused (422 naming the term and the clause) and, for a review or a
    chat message, recorded as blocked (the outbox: `record_afterwards`); text the checks send to
    review is admitted as REVIEW (stored, held from everyone but its author) and, once stored,
    put in the reviewer queue (`hold`) in the same transaction."""

    book: Rulebook
    clock: Clock
    context: Context
    uow: UnitOfWork | None = None

    def admit(self, texts: Sequence[tuple[str, str]]) -> Outcome:
        at, worst = self.clock.now(), Verdict.ALLOW
        for field_name, text in texts:
            result = check(text, self.context, self.book, at)
            if result.verdict is Verdict.BLOCK and field_name in WORDS_FIELDS:
                entry = intake.from_check(result, WORDS_FIELDS[field_name], None, text)
                record_afterwards(self.uow, entry, at)
            refuse_if_blocked(text, result, field_name)
            worst = max(worst, result.verdict)
        return Outcome(worst.word)

    def judge(self, text: str) -> TextScreening:
        result = check(text, self.context, self.book, self.clock.now())
        return TextScreening(
            Outcome(result.verdict.word), result.clause, tuple(h.as_json() for h in result.hits)
        )

    def hold(self, conn: Connection, held: Held, *, at: datetime) -> None:
        result = check(held.text, self.context, self.book, at)
        subject = Subject(held.kind.value)
        entry = intake.from_check(
            result, subject, held.id, held.text, shop_id=held.shop_id, author_id=held.author_id
        )
        intake.enqueue(conn, entry, at=at)


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    settings = settings or Settings()
    uow = UnitOfWork(make_engine(settings.resolved_database_url()))
    if settings.demo_mode:
        settings = demo_secrets(settings, uow)
    if clock is None and settings.demo_mode:
        clock = OffsetClock(lambda: read_clock_offset(uow))
        clock.refresh()
    payments = SandboxProvider(settings.payment_secret, previous=settings.payment_secret_previous)
    clock, book = clock or SystemClock(), load(settings.rulebook)
    wire_indexer(SearchIndexer(book, clock))  # search documents follow catalog and video writes
    return App(
        settings,
        uow,
        clock,
        book,
        payments,
        LocalFileStore(settings.var_dir / "uploads"),
        moderator=CommentChecks(book, clock),
        listener=WishListener(),
    )
