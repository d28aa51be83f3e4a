"""What the shop-staff operations answer."""

from pydantic import BaseModel


class StaffMemberOut(BaseModel):
    user_id: int
    display_name: str
    email: str
    role: str  # owner, operations, fulfilment, finance, staff


class StaffRemovedOut(BaseModel):
    shop_id: int
    user_id: int
    removed: bool
