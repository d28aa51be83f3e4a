"""Creator penalties on pages (issue 14): the creator's record (/creator/penalties, 处罚记录) with
the reason, the clause's text and each action's end in Beijing time; trust & safety's list of
penalised creators (/operator/creators, those with an appeal waiting first), each creator's record
with the form to record a violation (/operator/creators/<id>/penalties) and the answer to a
waiting appeal (uphold: the penalty is reversed; or reject)."""

from fastapi import Request

from pledge.creators import views
from pledge.governance import creator_appeals, creator_records
from pledge.governance import creator_penalties as cp
from pledge.governance.creator_ladder import CreatorAction, Harm, Scene
from pledge.governance.creator_money import ActionState
from pledge.governance.model import AppealStatus, PenaltyStatus
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.forms import form_text, required_number
from pledge.web.live_actions import publish_cut
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import Code, Note, PathId, Reason

router = PageRouter()
CLAUSE = "creator.false-advertising"


def _page(request: Request, template: str, rows: list[dict], **extra):
    with pledge(request).uow.read() as conn:
        titles = views.product_titles(conn, [r["product_id"] for r in rows])
    return render(
        request,
        template,
        penalties=rows,
        titles=titles,
        ActionState=ActionState,
        CreatorAction=CreatorAction,
        Scene=Scene,
        Harm=Harm,
        AppealStatus=AppealStatus,
        PenaltyStatus=PenaltyStatus,
        **extra,
    )


@router.get("/creator/penalties")
def my_penalties(request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        rows = creator_records.for_creator(conn, caller.actor, app.rulebook)
    return _page(request, "creator_penalties.html", rows, appealable=True)


@router.post("/creator/penalties/{penalty_id}/appeal")
def appeal(penalty_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        creator_appeals.file_appeal(
            conn,
            caller.actor,
            penalty_id,
            reason=form_text(form, "reason", Reason),
            book=app.rulebook,
            at=app.clock.now(),
        )
    return redirect("/creator/penalties")


@router.get("/operator/creators")
def creators_for_review(request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        rows = creator_records.creators_for_review(conn, caller.actor)
    return render(request, "governance_creators.html", creators=rows)


@router.post("/operator/creator-appeals/{appeal_id}/answer")
def answer_appeal(appeal_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    with app.uow.begin() as conn:
        creator_appeals.answer_appeal(
            conn,
            caller.actor,
            appeal_id,
            uphold=form.get("uphold") == "1",
            note=form_text(form, "note", Note),
            at=app.clock.now(),
        )
        creator_id = creator_records.creator_of_appeal(conn, appeal_id)
    return redirect(f"/operator/creators/{creator_id}/penalties")


@router.get("/operator/creators/{creator_id}/penalties")
def creator_record(creator_id: PathId, request: Request, caller: PageCaller):
    app = pledge(request)
    with app.uow.read() as conn:
        rows = creator_records.for_reviewer(conn, caller.actor, creator_id, app.rulebook)
    ladders = [c for c in app.rulebook.in_force("creator_penalty_ladder", app.clock.now())]
    return _page(
        request,
        "governance_creator.html",
        rows,
        creator_id=creator_id,
        reviewing=True,
        ladders=ladders,
        scenes=list(Scene),
        harms=list(Harm),
    )


@router.post("/operator/creators/{creator_id}/penalties")
def record(creator_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    app = pledge(request)
    violation = cp.Violation(
        creator_id,
        form_text(form, "clause", Code),
        form_text(form, "ref", Code),
        str(form.get("scene", "")),
        required_number(form.get("subject_id"), "the session or video", low=1),
        required_number(form.get("product_id"), "the product", low=1),
        form_text(form, "reason", Reason),
        form_text(form, "evidence", Note),
        str(form.get("harm", Harm.NONE.value)),
    )
    with app.uow.begin() as conn:
        decided = cp.record_violation(conn, caller.actor, violation, book=app.rulebook, at=app.clock.now())
    if decided.cut_session is not None:
        publish_cut(app, decided.cut_session)
    return redirect(f"/operator/creators/{creator_id}/penalties")
