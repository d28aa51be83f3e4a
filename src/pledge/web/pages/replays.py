"""A live session's replay (回放): the public page of an ended session, and the host's form that
gives it the ingest server's recording."""

from __future__ import annotations

from fastapi import Request

from pledge.live import replays
from pledge.web.deps import CheckedForm, PageCaller, optional_caller, pledge
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import PathId

router = PageRouter()


@router.get("/live/sessions/{session_id}/replay")
def replay_page(session_id: PathId, request: Request):
    with pledge(request).uow.read() as conn:
        found = replays.replay(conn, session_id)
    return render(request, "live_replay.html", replay=found, actor=optional_caller(request))


@router.post("/merchant/live/sessions/{session_id}/replay")
def set_replay(session_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    with pledge(request).uow.begin() as conn:  # a bad URL: the translated error page, nothing saved
        replays.set_replay(conn, caller.actor, session_id=session_id, replay_url=form.get("replay_url"))
    return redirect(f"/merchant/live/sessions/{session_id}?replay_saved=1")
