"""Platform staff pages: the rulebook in force, and in demo mode the clock."""

from typing import Annotated, TypeAlias

from fastapi import APIRouter, Query, Request

from pledge.bootstrap import advance_demo_clock
from pledge.kernel.clock import parse_duration
from pledge.web.deps import check_csrf, page_caller, pledge
from pledge.web.forms import local_path
from pledge.web.pages.routing import PageRouter
from pledge.web.present import rulebook_view
from pledge.web.render import redirect, render
from pledge.worker import run_once

router = PageRouter()
# Mounted by create_app in demo mode only: elsewhere the clock routes do not exist (404).
clock_router = APIRouter(include_in_schema=False)
SearchText: TypeAlias = Annotated[str, Query(max_length=100)]  # words typed in the search box


def matching(clause: dict, words: str, kind: str) -> bool:
    """A clause matches when its kind is the one chosen (if any) and every word typed occurs in
    its id, kind, source, parameters or text (either language), case-insensitively."""
    if kind and clause["kind"] != kind:
        return False
    haystack = " ".join(
        str(clause[k]) for k in ("id", "kind", "source", "text", "text_en", "params")
    ).casefold()
    return all(word in haystack for word in words.casefold().split())


@router.get("/operator/rulebook")
def rulebook(request: Request, q: SearchText = "", kind: SearchText = ""):
    """The rulebook in force; ?q= filters by words (works without JavaScript), ?kind= by kind.
    Each clause row is an anchor (#<clause id>) to link to."""
    book = rulebook_view(pledge(request).rulebook)
    shown = [c for c in book["clauses"] if matching(c, q, kind)]
    return render(request, "rulebook.html", book=book, clauses=shown, q=q, kind=kind)


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
