"""Platform staff pages: the rulebook in force, and in demo mode the clock."""

from fastapi import APIRouter, Request

from pledge.bootstrap import advance_demo_clock
from pledge.kernel.clock import parse_duration
from pledge.web.deps import check_csrf, page_caller, pledge
from pledge.web.forms import local_path
from pledge.web.present import rulebook_view
from pledge.web.render import redirect, render
from pledge.worker import run_once

router = APIRouter()
# Mounted by create_app in demo mode only: elsewhere the clock routes do not exist (404).
clock_router = APIRouter(include_in_schema=False)


@router.get("/operator/rulebook")
def rulebook(request: Request):
    return render(request, "rulebook.html", book=rulebook_view(pledge(request).rulebook))


@clock_router.post("/demo/clock")
async def advance_clock(request: Request):
    """Any signed-in user may move the demo clock (a newcomer presses "+2d" and watches the
    pledges act); the form carries the session's CSRF token."""
    caller = page_caller(request)
    form = await check_csrf(request, caller)
    app = pledge(request)
    advance_demo_clock(app, parse_duration(str(form.get("by", ""))))
    run_once(app)
    return redirect(local_path(form.get("back"), "/"))
