"""A postal address in China and how a phone number shows on a privacy waybill (隐私面单)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pledge.kernel.errors import InvalidInput
from pledge.sms.services import normalize_phone

MAX_PER_USER = 20
LIMITS = {"recipient": 25, "province": 20, "city": 20, "district": 20, "detail": 120}
MIN_DETAIL = 2


@dataclass(frozen=True)
class Address:
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str

    def checked(self) -> Address:
        """The address trimmed and validated (an 11-digit mainland mobile, every part within its
        length), or InvalidInput naming the field."""
        values = {k: " ".join(str(v or "").split()) for k, v in asdict(self).items()}
        for name, limit in LIMITS.items():
            if not values[name]:
                raise InvalidInput(f"{name} is required", field=name)
            if len(values[name]) > limit:
                raise InvalidInput(f"{name} has at most {limit} characters", field=name)
        if len(values["detail"]) < MIN_DETAIL:
            raise InvalidInput(f"detail needs at least {MIN_DETAIL} characters", field="detail")
        values["phone"] = normalize_phone(values["phone"])
        return Address(**values)

    def one_line(self) -> str:
        return f"{self.province} {self.city} {self.district} {self.detail}"


def masked_phone(phone: str) -> str:
    """138****5678: as on a privacy waybill, the first three and last four digits."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "****"
