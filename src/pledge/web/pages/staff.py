"""The shop's staff page (店员): members and their roles; the owner invites a registered user by
e-mail, changes a role or removes a member. Roles limit settlement and pledges."""

from fastapi import Request

from pledge.accounts import staff
from pledge.accounts.services import ROLE_PERMISSIONS, Permission, ShopRole
from pledge.web.deps import CheckedForm, PageCaller, pledge
from pledge.web.forms import form_text
from pledge.web.pages.routing import PageRouter
from pledge.web.render import redirect, render
from pledge.web.types import Code, Email, PathId

router = PageRouter()


@router.get("/merchant/shops/{shop_id}/staff")
def staff_page(shop_id: PathId, request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        members = staff.shop_staff(conn, caller.actor, shop_id)
    return render(
        request,
        "merchant_staff.html",
        shop_id=shop_id,
        members=members,
        roles=list(ShopRole),
        invite_roles=[r for r in ShopRole if r != ShopRole.STAFF],  # `staff` is the role of old members
        invite_default=ShopRole.OPERATIONS,
        permissions=ROLE_PERMISSIONS,
        can_manage=caller.actor.may(shop_id, Permission.STAFF),
    )


@router.post("/merchant/shops/{shop_id}/staff")
def invite(shop_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        staff.invite_staff(
            conn,
            caller.actor,
            shop_id,
            email=form_text(form, "email", Email, "e-mail"),
            role=form_text(form, "role", Code, "role"),
        )
    return redirect(f"/merchant/shops/{shop_id}/staff")


@router.post("/merchant/shops/{shop_id}/staff/{user_id}/role")
def change_role(shop_id: PathId, user_id: PathId, request: Request, caller: PageCaller, form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        staff.change_role(conn, caller.actor, shop_id, user_id=user_id, role=form_text(form, "role", Code))
    return redirect(f"/merchant/shops/{shop_id}/staff")


@router.post("/merchant/shops/{shop_id}/staff/{user_id}/remove")
def remove(shop_id: PathId, user_id: PathId, request: Request, caller: PageCaller, _form: CheckedForm):
    with pledge(request).uow.begin() as conn:
        staff.remove_staff(conn, caller.actor, shop_id, user_id=user_id)
    return redirect(f"/merchant/shops/{shop_id}/staff")
