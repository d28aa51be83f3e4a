"""Shop staff (子账号): the owner invites a registered user by e-mail with a role, changes the
role, or removes them; roles limit settlement and pledges (accounts.services.ROLE_PERMISSIONS)."""

from dataclasses import asdict

from pydantic import BaseModel

from pledge.accounts import staff
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.staff import StaffMemberOut, StaffRemovedOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Code, Email, PathId

router = ApiModuleRouter(tags=["staff"])


class InviteIn(BaseModel):
    email: Email
    role: Code  # operations, fulfilment, finance, owner


class RoleIn(BaseModel):
    role: Code


@router.get(
    "/shops/{shop_id}/staff",
    summary="The shop's members and their roles (members only)",
    responses={200: {"model": list[StaffMemberOut]}},
)
def list_staff(shop_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return [asdict(m) for m in staff.shop_staff(conn, actor, shop_id)]


@router.post(
    "/shops/{shop_id}/staff",
    status_code=201,
    summary="Invite a registered user to the shop with a role (the owner only)",
    responses={201: {"model": StaffMemberOut}},
)
def invite(shop_id: PathId, body: InviteIn, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return asdict(staff.invite_staff(conn, actor, shop_id, email=body.email, role=body.role))


@router.put(
    "/shops/{shop_id}/staff/{user_id}",
    summary="Change a member's role (the owner only; a shop keeps one owner)",
    responses={200: {"model": list[StaffMemberOut]}},
)
def change_role(shop_id: PathId, user_id: PathId, body: RoleIn, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.begin() as conn:
        staff.change_role(conn, actor, shop_id, user_id=user_id, role=body.role)
        return [asdict(m) for m in staff.shop_staff(conn, actor, shop_id)]


@router.delete(
    "/shops/{shop_id}/staff/{user_id}",
    summary="Remove a member from the shop (the owner only)",
    responses={200: {"model": StaffRemovedOut}},
)
def remove(shop_id: PathId, user_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        staff.remove_staff(conn, actor, shop_id, user_id=user_id)
    return {"shop_id": shop_id, "user_id": user_id, "removed": True}
