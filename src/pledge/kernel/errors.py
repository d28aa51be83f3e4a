"""Domain errors with stable codes. The web layer maps them to RFC 9457 problem+json in one place."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    status = 400
    title = "Request cannot be processed"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Not allowed"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflicts with the current state"


class OutOfStock(Conflict):
    code = "out_of_stock"
    title = "Not enough stock"


class IllegalTransition(Conflict):
    code = "illegal_transition"
    title = "Not allowed in the current state"


class TooManyAttempts(DomainError):
    """Throttled: the caller may try again after `retry_after` seconds (HTTP Retry-After)."""

    code = "too_many_attempts"
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after_seconds=retry_after)
        self.retry_after = retry_after
