from fastapi import APIRouter
from pydantic import BaseModel

from pledge.bootstrap import advance_demo_clock
from pledge.kernel.clock import parse_duration
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.demo import AdvanceOut, HealthOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Code
from pledge.worker import run_once

router = ApiModuleRouter(tags=["demo"])
# Mounted by create_app in demo mode only: elsewhere the clock routes do not exist (404).
clock_router = APIRouter(tags=["demo"])


class AdvanceIn(BaseModel):
    by: Code  # e.g. 2d, 36h


@clock_router.post(
    "/demo/clock/advance",
    summary="Demo mode only: move the clock forward and run the sweeps (any signed-in user)",
    responses={200: {"model": AdvanceOut}},
)
def advance(body: AdvanceIn, app: AppDep, _actor: ApiActor) -> dict:
    offset = advance_demo_clock(app, parse_duration(body.by))
    report = run_once(app)
    return {"now": app.clock.now().isoformat(), "offset_seconds": offset.total_seconds(), "sweep": report}


@router.get("/health", responses={200: {"model": HealthOut}})
def health(app: AppDep) -> dict:
    return {
        "status": "ok",
        "rulebook": f"{app.rulebook.name}@{app.rulebook.version}",
        "now": app.clock.now().isoformat(),
    }
