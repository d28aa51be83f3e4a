"""Ledger invariants, on SQLite and PostgreSQL: whatever sequence of transactions is recorded,
the trial balance sums to zero and every balance is the sum of the postings that touched it;
bad postings and replayed idempotency keys write nothing."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pledge.kernel.errors import InvalidInput
from pledge.ledger.services import Posting, balance, record, trial_balance, validate
from pledge.ledger.tables import ledger_accounts, ledger_postings, ledger_transactions

# Account names (not codes): each example gets its own codes for these (so expectations are
# computed from that example's postings alone), plus one account shared by every example.
LOCAL = ("shop:proceeds", "shop:deposit", "buyer:coupons", "platform:fees", "platform:subsidy")
SHARED = "external:payments"
POOL = LOCAL + (SHARED,)

pairs = st.lists(st.sampled_from(POOL), min_size=2, max_size=2, unique=True)
postings_st = st.tuples(pairs, st.integers(min_value=1, max_value=2_000_000_000))
transactions_st = st.lists(st.lists(postings_st, min_size=1, max_size=5), min_size=1, max_size=6)

PROPERTY = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30, deadline=None
)


def counts(conn) -> tuple[int, int, int]:
    return tuple(
        conn.execute(select(func.count()).select_from(t)).scalar()
        for t in (ledger_accounts, ledger_transactions, ledger_postings)
    )


def codes_for(run: str) -> dict[str, str]:
    out = {}
    for name in LOCAL:
        kind, rest = name.split(":")
        out[name] = f"{kind}:t{run}:{rest}"
    out[SHARED] = SHARED
    return out


@PROPERTY
@given(transactions=transactions_st)
def test_random_transactions_keep_the_books_balanced(app, transactions):
    run = uuid.uuid4().hex[:12]
    code = codes_for(run)
    expected: Counter[str] = Counter()
    posting_count = 0
    with app.uow.read() as c:
        shared_before = balance(c, SHARED)
        shared_existed = (
            c.execute(select(ledger_accounts.c.id).where(ledger_accounts.c.code == SHARED)).scalar()
            is not None
        )
        before_counts = counts(c)

    for n, legs in enumerate(transactions):
        postings = [Posting(code[a], code[b], amount) for (a, b), amount in legs]
        for p in postings:
            expected[p.credit] += p.amount_fen
            expected[p.debit] -= p.amount_fen
        posting_count += len(postings)
        with app.uow.begin() as c:
            tx_id = record(
                c,
                key=f"prop:{run}:{n}",
                kind="test",
                memo=f"example {run} #{n}",
                postings=postings,
                at=app.clock.now(),
            )
        assert isinstance(tx_id, int)

    with app.uow.read() as c:
        tb = trial_balance(c)
        assert sum(tb.values()) == 0
        for name in LOCAL:
            acct = code[name]
            assert balance(c, acct) == expected[acct], acct
            if acct in expected:
                assert tb[acct] == expected[acct], acct
            else:
                assert acct not in tb  # never posted to: never created
        assert balance(c, SHARED) - shared_before == expected[SHARED]
        accounts, txs, legs = counts(c)
    assert txs - before_counts[1] == len(transactions)
    assert legs - before_counts[2] == posting_count
    touched_local = {acct for acct in expected if acct != SHARED}
    created_shared = SHARED in expected and not shared_existed
    assert accounts - before_counts[0] == len(touched_local) + int(created_shared)


def test_balance_of_an_unknown_account_is_zero(app):
    with app.uow.read() as c:
        assert balance(c, "shop:never:proceeds") == 0
        assert "shop:never:proceeds" not in trial_balance(c)


def test_a_worked_example(app):
    """Buyer pays 150.00; platform takes 2% = 3.00; a late-ship coupon of 5.00 is deducted."""
    with app.uow.begin() as c:
        record(
            c,
            key="ex:pay",
            kind="payment",
            memo="",
            at=app.clock.now(),
            postings=[Posting("external:payments", "shop:9001:proceeds", 15000)],
        )
        record(
            c,
            key="ex:fee",
            kind="fee",
            memo="",
            at=app.clock.now(),
            postings=[Posting("shop:9001:proceeds", "platform:fees", 300)],
        )
        record(
            c,
            key="ex:late",
            kind="late_ship",
            memo="",
            at=app.clock.now(),
            postings=[Posting("shop:9001:proceeds", "buyer:9001:coupons", 500)],
        )
    with app.uow.read() as c:
        assert balance(c, "shop:9001:proceeds") == 14200
        assert balance(c, "platform:fees") == 300
        assert balance(c, "buyer:9001:coupons") == 500
        assert balance(c, "external:payments") == -15000
        tb = trial_balance(c)
    assert tb == {
        "external:payments": -15000,
        "shop:9001:proceeds": 14200,
        "platform:fees": 300,
        "buyer:9001:coupons": 500,
    }


# --- invalid postings write nothing ----------------------------------------------------------------

invalid_posting = st.one_of(
    st.builds(
        Posting,
        st.sampled_from(POOL),
        st.sampled_from(POOL).map(lambda a: f"{a}:x"),
        st.integers(max_value=0),
    ),  # zero / negative
    st.sampled_from(POOL).flatmap(
        lambda a: st.builds(Posting, st.just(a), st.just(a), st.integers(min_value=1, max_value=10**6))
    ),  # to itself
)
valid_posting = st.builds(
    lambda pair, amount: Posting(pair[0], pair[1], amount), pairs, st.integers(min_value=1, max_value=10**6)
)


@PROPERTY
@given(good=st.lists(valid_posting, max_size=3), bad=invalid_posting, where=st.integers(0, 3))
def test_invalid_postings_raise_and_write_nothing(app, good, bad, where):
    postings = list(good)
    postings.insert(min(where, len(postings)), bad)
    with app.uow.read() as c:
        before = counts(c)
        tb_before = trial_balance(c)
    with pytest.raises(InvalidInput):
        with app.uow.begin() as c:
            record(
                c, key=f"bad:{uuid.uuid4().hex}", kind="test", memo="", postings=postings, at=app.clock.now()
            )
    with app.uow.read() as c:
        assert counts(c) == before
        assert trial_balance(c) == tb_before


@pytest.mark.parametrize(
    "postings",
    [
        [],
        [Posting("shop:1:proceeds", "platform:fees", 0)],
        [Posting("shop:1:proceeds", "platform:fees", -100)],
        [Posting("shop:1:proceeds", "shop:1:proceeds", 100)],
        [Posting("shop:1:proceeds", "platform:fees", 1.5)],
        [Posting("shop:1:proceeds", "platform:fees", 100), Posting("platform:fees", "platform:fees", 100)],
    ],
)
def test_invalid_postings_examples(app, postings):
    with pytest.raises(InvalidInput):
        validate(postings)
    with app.uow.read() as c:
        before = counts(c)
    with pytest.raises(InvalidInput):
        with app.uow.begin() as c:
            record(c, key="bad:example", kind="test", memo="", postings=postings, at=app.clock.now())
    with app.uow.read() as c:
        assert counts(c) == before


# --- exactly once ------------------------------------------------------------------------------------


@PROPERTY
@given(
    first=st.lists(valid_posting, min_size=1, max_size=3),
    second=st.lists(valid_posting, min_size=1, max_size=3),
)
def test_replayed_idempotency_key_raises_and_changes_nothing(app, first, second):
    key = f"late-ship:{uuid.uuid4().hex}"
    run = uuid.uuid4().hex[:12]
    # the replay also names an account nobody has used: it must not be created either
    second = second + [Posting(SHARED, f"buyer:t{run}:coupons", 100)]
    with app.uow.begin() as c:
        record(c, key=key, kind="test", memo="first", postings=first, at=app.clock.now())
    with app.uow.read() as c:
        tb_before = trial_balance(c)
        before = counts(c)
    with pytest.raises(IntegrityError):
        with app.uow.begin() as c:
            record(c, key=key, kind="test", memo="replay", postings=second, at=app.clock.now())
    with app.uow.read() as c:
        assert trial_balance(c) == tb_before
        assert counts(c) == before
        assert balance(c, f"buyer:t{run}:coupons") == 0
        n = c.execute(
            select(func.count())
            .select_from(ledger_transactions)
            .where(ledger_transactions.c.idempotency_key == key)
        ).scalar()
    assert n == 1


def test_large_posting_fits_the_money_column(app):
    """DESIGN.md: money columns are BIGINT fen. 2**31 fen = 21 474 836.48 yuan, a plausible
    monthly settlement for a large merchant."""
    amount = 2**31
    with app.uow.begin() as c:
        record(
            c,
            key="big:1",
            kind="settlement",
            memo="",
            at=app.clock.now(),
            postings=[Posting("external:payments", "shop:77:proceeds", amount)],
        )
    with app.uow.read() as c:
        assert balance(c, "shop:77:proceeds") == amount
        assert sum(trial_balance(c).values()) == 0
