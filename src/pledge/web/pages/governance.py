"""Trust & safety pages: the reviewer queue and an item with its evidence (/operator/queue), live
sessions an operator may cut (/operator/live), appeals to answer, the working-day calendar
(/operator/calendar), the merchant's penalties with their reasons and the appeal form, the report
form any signed-in user reaches from what they report (/report/<subject>/<id>), and the public
transparency report (/transparency)."""

from datetime import date, timedelta
from typing import Annotated, TypeAlias

from fastapi import Query, Request
from jinja2 import pass_context

from pledge.accounts.services import require_platform
from pledge.governance import appeals, calendar, penalties, queries, report
from pledge.governance import services as governance
from pledge.governance.model import AppealStatus, Decision, ItemStatus, PenaltyStatus, Subject
from pledge.kernel.clock import zone
from pledge.kernel.errors import NotFound
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.forms import form_day, form_text, local_path
from pledge.web.live_actions import publish_cut, publish_decision
from pledge.web.pages.merchant import first_shop
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render, templates
from pledge.web.types import Code, PathId, Reason, RequiredNote

router = PageRouter()


@pass_context
def clause_text(context, clause_id: str | None) -> str:
    """A clause in the page's language (its text), not its id: Chinese pages show no keys."""
    if not clause_id:
        return ""
    clause = context["rulebook"].clause(clause_id)
    return str(clause.text if context["lang"] == "zh_CN" else clause.text_en)


def day_words(day: date, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh_CN" else day.strftime("%-d %b %Y")


templates.env.globals.update(
    clause_text=clause_text,
    day_words=day_words,
    ItemStatus=ItemStatus,
    Subject=Subject,
    PenaltyStatus=PenaltyStatus,
    AppealStatus=AppealStatus,
)
Day: TypeAlias = Annotated[date | None, Query()]
REPORT_DAYS = 30  # the transparency page's default period: the last 30 days


def _clauses(request: Request, kind: str) -> list[dict]:
    app = pledge(request)
    return [
        {"id": c.id, "text": c.text, "text_en": c.text_en}
        for c in app.rulebook.in_force(kind, app.clock.now())
    ]


@router.get("/operator/queue")
def queue_page(request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        items = queries.queue(conn, caller.actor)
        waiting = queries.open_appeals(conn, caller.actor)
    return render(request, "governance_queue.html", items=items, appeals=waiting)


@router.get("/operator/queue/{item_id}")
def item_page(item_id: PathId, request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        item = queries.item(conn, caller.actor, item_id)
    return render(
        request,
        "governance_item.html",
        item=item,
        clauses=_clauses(request, "moderation_terms") + _clauses(request, "moderation_offensive"),
        ladders=_clauses(request, "penalty_ladder"),
    )


@router.post("/operator/queue/{item_id}")
def decide(item_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    decision = Decision.ALLOW if form.get("decision") == "allow" else Decision.REMOVE
    with app.uow.begin() as conn:
        answer = governance.decide(
            conn,
            caller.actor,
            item_id,
            decision,
            note=form_text(form, "note", RequiredNote),
            book=app.rulebook,
            at=app.clock.now(),
            clause=form_text(form, "clause", Code) if form.get("clause") else None,
            listener=app.listener,
        )
    publish_decision(app, answer)
    return redirect("/operator/queue")


@router.post("/operator/queue/{item_id}/penalty")
def penalise(item_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        item = queries.item(conn, caller.actor, item_id)
        order = penalties.PenaltyOrder(
            int(item["shop_id"] or 0),
            form_text(form, "clause", Code),
            form_text(form, "reason", Reason),
            item["text"],
            item["subject_id"] if item["subject"] == Subject.LISTING else None,
            item_id,
        )
        penalties.impose(conn, caller.actor, order, book=app.rulebook, at=app.clock.now())
    return redirect(f"/operator/queue/{item_id}")


@router.get("/operator/live")
def live_page(request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        sessions = queries.live_now(conn, caller.actor)
    return render(
        request, "governance_live.html", sessions=sessions, clauses=_clauses(request, "moderation_terms")
    )


@router.post("/operator/live/{session_id}/cut")
def cut(session_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    publish_cut(
        pledge(request),
        session_id,
        actor=caller.actor,
        reason=form_text(form, "reason", Reason),
        clause=form_text(form, "clause", Code),
    )
    return redirect("/operator/live")


@router.post("/operator/appeals/{appeal_id}")
def answer(appeal_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        appeals.answer_appeal(
            conn,
            caller.actor,
            appeal_id,
            uphold=form.get("uphold") == "yes",
            note=form_text(form, "note", Reason),
            at=app.clock.now(),
        )
    return redirect("/operator/queue")


@router.get("/merchant/penalties")
def merchant_penalties_home(request: Request):
    return first_shop(request, "penalties")


@router.get("/merchant/shops/{shop_id}/penalties")
def merchant_penalties(shop_id: PathId, request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        rows = queries.shop_penalties(conn, caller.actor, shop_id, app.rulebook)
    return render(
        request, "governance_penalties.html", shop_id=shop_id, penalties=rows, clause_of=app.rulebook.clause
    )


@router.post("/merchant/penalties/{penalty_id}/appeal")
def appeal(penalty_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        appeals.file_appeal(
            conn,
            caller.actor,
            penalty_id,
            reason=form_text(form, "reason", Reason),
            book=app.rulebook,
            at=app.clock.now(),
        )
    return redirect(local_path(form.get("back"), "/merchant/penalties"))


@router.get("/operator/calendar")
def calendar_page(request: Request, caller: PageCaller):
    """Public holidays and make-up workdays appeal deadlines count in (operators only)."""
    require_platform(caller.actor, "operator")
    with pledge(request).uow.read() as conn:
        days = calendar.listed(conn)
    return render(request, "governance_calendar.html", days=days)


@router.post("/operator/calendar")
def record_calendar_day(request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    day = form_day(form.get("day"), "day")
    with app.uow.begin() as conn:
        calendar.record_day(
            conn,
            caller.actor,
            day,
            working=form.get("working") == "yes",
            note=form_text(form, "note", Reason),
            at=app.clock.now(),
        )
    return redirect("/operator/calendar")


@router.post("/operator/calendar/{day}/remove")
def forget_calendar_day(day: date, request: Request, caller: PageCaller, _form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        if not calendar.forget_day(conn, caller.actor, day):
            raise NotFound(f"{day.isoformat()} is not in the calendar")
    return redirect("/operator/calendar")


# Where a report form sends the reporter back when it names no page of its own.
REPORT_BACK = "/"


@router.get("/report/{subject}/{subject_id}")
def report_form(subject: Subject, subject_id: PathId, request: Request, caller: PageCaller, back: str = ""):
    """The form a signed-in user reports a listing, a live session, a comment, a review or a chat
    message with (the links under each of them lead here)."""
    return render(
        request,
        "report_form.html",
        subject=subject,
        subject_id=subject_id,
        back=local_path(back, REPORT_BACK),
    )


@router.post("/report/{subject}/{subject_id}")
def send_report(
    subject: Subject, subject_id: PathId, request: Request, caller: PageCaller, form: CheckedForm
):
    app = pledge(request)
    reported = governance.Reported(subject, subject_id, form_text(form, "reason", Reason))
    with app.uow.begin() as conn:
        governance.report(conn, caller.actor, reported, at=app.clock.now())
    back = local_path(form.get("back"), REPORT_BACK)
    return render(request, "report_form.html", subject=subject, subject_id=subject_id, back=back, sent=True)


@router.get("/transparency")
def transparency(request: Request, start: Day = None, end: Day = None):
    app = pledge(request)
    today = app.clock.now().astimezone(zone(app.rulebook.timezone)).date()
    end = end or today
    start = start or end - timedelta(days=REPORT_DAYS - 1)
    with app.uow.read() as conn:
        figures = report.governance_report(conn, start, end, app.rulebook.timezone)
    return render(request, "transparency.html", report=figures)
