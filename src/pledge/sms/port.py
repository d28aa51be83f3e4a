"""The SMS port: how Pledge sends a text message to a mainland mobile number. A real provider
(Aliyun SMS, Tencent Cloud SMS, ...) implements `SmsSender` and is wired in bootstrap; the
sandbox adapter sends nothing: it logs the message and keeps it in memory, so a developer reads
the code in the log and tests read it from `SandboxSms.last_code`."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("pledge.sms")
CODE_IN_TEXT = re.compile(r"\d{6}")


class SmsSender(Protocol):
    name: str

    def send(self, phone: str, text: str) -> None:
        """Deliver `text` to `phone` (11 digits) or raise; called outside any transaction."""


@dataclass
class SandboxSms:
    """Logs every message (level WARNING, logger `pledge.sms`) instead of sending it."""

    name: str = "sandbox"
    sent: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, phone: str, text: str) -> None:
        log.warning("SMS sandbox: to %s: %s", phone, text)
        with self._lock:
            self.sent.append((phone, text))

    def last_code(self, phone: str) -> str | None:
        """The code in the last message sent to `phone` (sandbox only: a real provider keeps none)."""
        with self._lock:
            texts = [text for to, text in self.sent if to == phone]
        found = CODE_IN_TEXT.search(texts[-1]) if texts else None
        return found.group(0) if found else None
