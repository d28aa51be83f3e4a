from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from pledge.accounts import services as accounts
from pledge.accounts.services import Actor
from pledge.web.deps import api_actor, pledge
from pledge.web.types import Email, Password

router = APIRouter(tags=["auth"])


class TokenRequest(BaseModel):
    email: Email
    password: Password


@router.post("/auth/token", summary="Exchange email and password for a bearer token")
def create_token(body: TokenRequest, request: Request) -> dict:
    app = pledge(request)
    with app.uow.begin() as conn:
        user_id = accounts.authenticate(conn, body.email, body.password)
        return {"token": accounts.issue_api_token(conn, user_id=user_id, at=app.clock.now()), "token_type": "bearer"}


@router.get("/me", summary="Who the token belongs to, with shop memberships and platform role")
def me(actor: Actor = Depends(api_actor)) -> dict:
    return {"user_id": actor.user_id, "display_name": actor.display_name, "platform_role": actor.platform_role,
            "shops": [{"shop_id": k, "role": v} for k, v in sorted(actor.shops.items())]}
