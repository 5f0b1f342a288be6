"""An email backend for deployments without SMTP: one JSON log line per message instead of raw text.

Django's console backend prints whole messages to stdout, which would break the one-JSON-object-per-line
log stream. Only the subject and the number of recipients are logged: addresses are personal data and
bodies can hold download links.
"""

from collections.abc import Sequence

import structlog
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

log = structlog.get_logger("finance.mail")


class LogEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        """Returns 0, the number of messages sent: callers log `email.sent` only for mail that left."""
        for message in email_messages:
            log.info(
                "email.not_sent",
                reason="no EMAIL_HOST configured",
                subject=message.subject,
                recipients=len(message.recipients()),
            )
        return 0
