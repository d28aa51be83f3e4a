from fastapi import APIRouter, Request

from pledge.accounts import services as accounts
from pledge.kernel.errors import Unauthorized
from pledge.web.forms import local_path
from pledge.web.deps import SESSION_COOKIE, pledge
from pledge.web.pages.render import redirect, render

router = APIRouter()


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return render(request, "login.html", next=next, error=None)


@router.post("/login")
async def login(request: Request):
    form = await request.form()
    app = pledge(request)
    target = local_path(form.get("next"), "/")
    try:
        with app.uow.begin() as conn:
            user_id = accounts.authenticate(conn, str(form.get("email", "")), str(form.get("password", "")))
            token, _csrf = accounts.start_session(conn, user_id=user_id, at=app.clock.now())
    except Unauthorized as exc:
        return render(request, "login.html", status=401, next=target, error=exc.detail)
    response = redirect(target)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=app.settings.cookie_secure,
                        max_age=int(accounts.SESSION_TTL.total_seconds()))
    return response


@router.post("/logout")
async def logout(request: Request):
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with pledge(request).uow.begin() as conn:
            accounts.end_session(conn, token)
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE)
    return response
