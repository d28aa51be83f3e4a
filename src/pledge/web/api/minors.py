"""A buyer's birth date and a guardian's consent (pledge.minors): the guardian gets an SMS code
on their own phone and the buyer enters it."""

from typing import Annotated

from pydantic import BaseModel, Field

from pledge.accounts.birthdates import parse_birth_date, set_birth_date
from pledge.addresses.model import masked_phone
from pledge.kernel.errors import InvalidInput
from pledge.minors import services as minors
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.minors import GuardianCodeOut, MinorStatusOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import TextRule

router = ApiModuleRouter(tags=["minors"])

Phone = Annotated[str, TextRule(20)]
BirthDate = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="YYYY-MM-DD")]


class BirthDateIn(BaseModel):
    birth_date: BirthDate


class GuardianPhoneIn(BaseModel):
    guardian_phone: Phone


class GuardianConsentIn(BaseModel):
    guardian_phone: Phone
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$")]


def _status(app, actor) -> dict:
    with app.uow.read() as conn:
        status = minors.status_of(conn, app.rulebook, actor.user_id, app.clock.now())
    return {
        "birth_date": status.birth_date,
        "age": status.age,
        "minor": status.minor,
        "guardian_phone": masked_phone(status.consent_phone) if status.consent_phone else None,
        "consented_at": status.consented_at,
    }


@router.get(
    "/me/minor-status",
    summary="Your birth date, age and guardian consent",
    responses={200: {"model": MinorStatusOut}},
)
def minor_status(app: AppDep, actor: ApiActor) -> dict:
    return _status(app, actor)


@router.put(
    "/me/birth-date",
    summary="Set your birth date (once; a correction goes through customer service)",
    responses={200: {"model": MinorStatusOut}},
)
def put_birth_date(body: BirthDateIn, app: AppDep, actor: ApiActor) -> dict:
    now = app.clock.now()
    born = parse_birth_date(body.birth_date, at=now)
    if born is None:
        raise InvalidInput("a birth date is needed")
    with app.uow.begin() as conn:
        set_birth_date(conn, actor.user_id, born, at=now)
    return _status(app, actor)


@router.post(
    "/me/guardian-consent/code",
    status_code=201,
    summary="Text a consent code to your guardian's phone",
    description="The same limits as sign-up codes (6 digits, 5 minutes, one a minute, 10 a day).",
    responses={201: {"model": GuardianCodeOut}},
)
def guardian_code(body: GuardianPhoneIn, app: AppDep, actor: ApiActor) -> dict:
    expires = minors.request_guardian_code(
        app.uow, app.sms, actor, phone=body.guardian_phone, at=app.clock.now()
    )
    return {
        "guardian_phone": masked_phone(body.guardian_phone.strip()),
        "expires_at": expires,
        "provider": app.sms.name,
    }


@router.post(
    "/me/guardian-consent",
    status_code=201,
    summary="Record your guardian's consent with the code they received",
    responses={201: {"model": MinorStatusOut}},
)
def guardian_consent(body: GuardianConsentIn, app: AppDep, actor: ApiActor) -> dict:
    minors.record_guardian_consent(
        app.uow, actor, phone=body.guardian_phone, code=body.code, at=app.clock.now()
    )
    return _status(app, actor)
