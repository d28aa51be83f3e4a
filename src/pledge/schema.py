"""Imports every domain's tables so that the shared MetaData is complete (for Alembic)."""

from pledge.accounts import tables as _accounts  # noqa: F401
from pledge.addresses import tables as _addresses  # noqa: F401
from pledge.aftersales import tables as _aftersales  # noqa: F401
from pledge.audiences import tables as _audiences  # noqa: F401
from pledge.blindboxes import tables as _blindboxes  # noqa: F401
from pledge.catalog import tables as _catalog  # noqa: F401
from pledge.chat import tables as _chat  # noqa: F401
from pledge.compensation import tables as _compensation  # noqa: F401
from pledge.creators import tables as _creators  # noqa: F401
from pledge.experience import tables as _experience  # noqa: F401
from pledge.flash import tables as _flash  # noqa: F401
from pledge.followers import tables as _followers  # noqa: F401
from pledge.fulfilment import tables as _fulfilment  # noqa: F401
from pledge.governance import tables as _governance  # noqa: F401
from pledge.history import tables as _history  # noqa: F401
from pledge.integrations import tables as _integrations  # noqa: F401
from pledge.inventory import tables as _inventory  # noqa: F401
from pledge.kernel import kv as _kv  # noqa: F401
from pledge.kernel.db import metadata
from pledge.ledger import tables as _ledger  # noqa: F401
from pledge.live import tables as _live  # noqa: F401
from pledge.logistics import tables as _logistics  # noqa: F401
from pledge.minors import tables as _minors  # noqa: F401
from pledge.notifications import tables as _notifications  # noqa: F401
from pledge.orders import tables as _orders  # noqa: F401
from pledge.reach import tables as _reach  # noqa: F401
from pledge.reviews import tables as _reviews  # noqa: F401
from pledge.search import tables as _search  # noqa: F401
from pledge.settlement import tables as _settlement  # noqa: F401
from pledge.sms import tables as _sms  # noqa: F401
from pledge.uploads import tables as _uploads  # noqa: F401
from pledge.videos import tables as _videos  # noqa: F401
from pledge.warehouse import tables as _warehouse  # noqa: F401
from pledge.wishes import tables as _wishes  # noqa: F401

__all__ = ["metadata"]
