from datetime import timedelta

from fastapi import Request, Response
from pydantic import BaseModel

from pledge.accounts import services as accounts
from pledge.kernel.errors import InvalidInput
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.auth import CreateTokenOut, MeOut
from pledge.web.deps import ApiActor, bearer_token, login_limits, pledge
from pledge.web.security import client_address
from pledge.web.types import Email, Password

router = ApiModuleRouter(tags=["auth"])


class TokenRequest(BaseModel):
    email: Email
    password: Password


@router.post(
    "/auth/token",
    summary="Exchange email and password for a bearer token",
    description="The token expires after PLEDGE_API_TOKEN_DAYS (default 30) days. Failed attempts are "
    "throttled per account and per client address: 429 with Retry-After.",
    responses={200: {"model": CreateTokenOut}},
)
def create_token(body: TokenRequest, request: Request) -> dict:
    app = pledge(request)
    now = app.clock.now()
    user_id = accounts.log_in(
        app.uow,
        email=body.email,
        password=body.password,
        address=client_address(request),
        at=now,
        limits=login_limits(app),
    )
    lifetime = timedelta(days=app.settings.api_token_days)
    with app.uow.begin() as conn:
        token = accounts.issue_api_token(conn, user_id=user_id, at=now, lifetime=lifetime)
    return {"token": token, "token_type": "bearer", "expires_at": (now + lifetime).isoformat()}


@router.delete("/auth/token", status_code=204, summary="Revoke the bearer token of this request (log out)")
def revoke_token(request: Request, actor: ApiActor) -> Response:
    token = bearer_token(request)
    if token is None:
        raise InvalidInput(
            "send the token to revoke as `Authorization: Bearer <token>`; pages log out at /logout"
        )
    with pledge(request).uow.begin() as conn:
        accounts.revoke_api_token(conn, user_id=actor.user_id, token_hash=accounts.token_digest(token))
    return Response(status_code=204)


@router.get(
    "/me",
    summary="Who the token belongs to, with shop memberships and platform role",
    responses={200: {"model": MeOut}},
)
def me(actor: ApiActor) -> dict:
    return {
        "user_id": actor.user_id,
        "display_name": actor.display_name,
        "platform_role": actor.platform_role,
        "shops": [{"shop_id": k, "role": v} for k, v in sorted(actor.shops.items())],
    }
