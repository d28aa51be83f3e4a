"""Shop pages for clients: the shop (店铺页), following it, and product photos."""

from dataclasses import asdict
from typing import Annotated

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from pledge.catalog import images
from pledge.followers import services as followers
from pledge.kernel.errors import InvalidInput
from pledge.reach.recording import EventKind, Subject
from pledge.uploads.services import MAX_BYTES, read_upload
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.shops import FollowingOut, ProductImageOut, ProductImagesOut, ShopOut
from pledge.web.deps import ApiActor, AppDep, MaybeApiActor, pledge
from pledge.web.photos import FORM_OVERHEAD, photo_too_large, read_photo, store_photo
from pledge.web.storefront import shop_data
from pledge.web.types import IntRange, PathId
from pledge.web.visitors import record_for

router = ApiModuleRouter(tags=["shops"])

_PHOTO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "at most 5 MB"}
                    },
                }
            }
        },
    }
}


@router.get(
    "/shops/{shop_id}",
    summary="A shop's page: score badge, followers, products, videos and live sessions",
    responses={200: {"model": ShopOut}},
)
def get_shop(shop_id: PathId, app: AppDep, actor: MaybeApiActor, past_page: PathId = 1) -> dict:
    with app.uow.read() as conn:
        return shop_data(app, conn, shop_id, actor.user_id if actor else None, past_page=past_page)


@router.post("/shops/{shop_id}/follow", summary="Follow the shop", responses={200: {"model": FollowingOut}})
def follow(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        following = asdict(followers.follow(conn, actor, shop_id=shop_id, at=app.clock.now()))
    record_for(app, actor.user_id, EventKind.FOLLOW, [(Subject.SHOP, shop_id)])
    return following


@router.delete(
    "/shops/{shop_id}/follow", summary="Stop following the shop", responses={200: {"model": FollowingOut}}
)
def unfollow(shop_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.begin() as conn:
        return asdict(followers.unfollow(conn, actor, shop_id=shop_id))


@router.post(
    "/products/{product_id}/images",
    status_code=201,
    openapi_extra=_PHOTO_BODY,
    summary="Add a photo to a product (shop members; the first one is the card photo)",
    responses={201: {"model": ProductImageOut}},
)
async def add_product_image(product_id: PathId, request: Request, actor: ApiActor) -> dict:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BYTES + FORM_OVERHEAD:
        raise photo_too_large(int(length))
    form = await request.form(max_files=1, max_fields=4)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InvalidInput("send the photo as multipart/form-data in the field `file`")
    data = await read_photo(file)
    app = pledge(request)

    def save() -> int:
        with app.uow.begin() as conn:
            upload_id = store_photo(app, actor, data, file.filename or "", conn)
            return images.add_image(conn, actor, product_id=product_id, upload_id=upload_id)

    position = await run_in_threadpool(save)
    return {"product_id": product_id, "position": position, "url": images.image_url(product_id, position)}


class MoveIn(BaseModel):
    to: Annotated[int, IntRange(1, images.MAX_IMAGES)]


@router.delete(
    "/products/{product_id}/images/{position}",
    status_code=204,
    summary="Remove a product photo (shop members); those after it move up",
)
def remove_product_image(product_id: PathId, position: PathId, app: AppDep, actor: ApiActor) -> Response:
    with app.uow.begin() as conn:
        images.remove_image(conn, actor, product_id=product_id, position=position)
    return Response(status_code=204)


@router.post(
    "/products/{product_id}/images/{position}/move",
    summary="Move a product photo to another place (1: the card photo)",
    responses={200: {"model": ProductImagesOut}},
)
def move_product_image(
    product_id: PathId, position: PathId, body: MoveIn, app: AppDep, actor: ApiActor
) -> dict:
    with app.uow.begin() as conn:
        images.move_image(conn, actor, product_id=product_id, position=position, to=body.to)
        count = len(images.image_uploads(conn, product_id))
    return {"product_id": product_id, "urls": [images.image_url(product_id, n) for n in range(1, count + 1)]}


@router.get(
    "/products/{product_id}/images/{position}",
    summary="A product photo (public)",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}},
)
def product_image(product_id: PathId, position: PathId, app: AppDep) -> Response:
    with app.uow.read() as conn:
        data, content_type = read_upload(conn, app.files, images.image_upload(conn, product_id, position))
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
