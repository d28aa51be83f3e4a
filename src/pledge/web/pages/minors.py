"""A buyer's age page (/account/age): the birth date (set once), and a guardian's consent for a
minor's blind-box purchases (a code texted to the guardian's phone, entered here), with the
limits that apply to buyers under 18 (pledge.minors)."""

from __future__ import annotations

from fastapi import Request

from pledge.accounts.birthdates import parse_birth_date, set_birth_date
from pledge.addresses.model import masked_phone
from pledge.kernel.errors import DomainError, InvalidInput
from pledge.minors import policy
from pledge.minors import services as minors
from pledge.web.deps import Caller, CheckedForm, PageCaller, pledge
from pledge.web.pages.routing import PageRouter
from pledge.web.render import form_error, redirect, render

router = PageRouter()
PAGE = "/account/age"


def _page(
    request: Request,
    caller: Caller,
    *,
    status: int = 200,
    error: str = "",
    guardian: str = "",
    sent: bool = False,
):
    app = pledge(request)
    now = app.clock.now()
    with app.uow.read() as conn:
        state = minors.status_of(conn, app.rulebook, caller.actor.user_id, now)
    return render(
        request,
        "account_age.html",
        status=status,
        state=state,
        consent_phone=masked_phone(state.consent_phone) if state.consent_phone else "",
        limits=policy.spending_limits(app.rulebook, now),
        error=error,
        guardian=guardian,
        sent=sent,
    )


@router.get(PAGE)
def age_page(request: Request, caller: PageCaller):
    return _page(request, caller)


@router.post(f"{PAGE}/birth-date")
def save_birth_date(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    now = app.clock.now()
    try:
        born = parse_birth_date(str(form.get("birth_date", ""))[:20], at=now)
        if born is None:
            raise InvalidInput("a birth date is written as year-month-day, e.g. 2012-02-29")
        with app.uow.begin() as conn:
            set_birth_date(conn, caller.actor.user_id, born, at=now)
    except DomainError as exc:
        return _page(request, caller, status=exc.status, error=form_error(request, exc.status, exc.detail))
    return redirect(PAGE)


@router.post(f"{PAGE}/guardian")
def guardian_consent(request: Request, caller: PageCaller, form: CheckedForm):
    """`action=send_code` texts the code to the guardian; `action=confirm` records the consent."""
    app = pledge(request)
    guardian = str(form.get("guardian_phone", "")).strip()[:20]
    try:
        if form.get("action") == "send_code":
            minors.request_guardian_code(app.uow, app.sms, caller.actor, phone=guardian, at=app.clock.now())
            return _page(request, caller, guardian=guardian, sent=True)
        code = str(form.get("code", "")).strip()[:6]
        minors.record_guardian_consent(app.uow, caller.actor, phone=guardian, code=code, at=app.clock.now())
    except DomainError as exc:
        error = form_error(request, exc.status, exc.detail)
        return _page(request, caller, status=exc.status, error=error, guardian=guardian)
    return redirect(PAGE)
