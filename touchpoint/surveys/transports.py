"""Delivery transports. Each sends one message and says, on failure, whether a retry can help."""

from __future__ import annotations

import smtplib
from collections.abc import Callable

from django.core.mail import EmailMessage, get_connection


class TransportError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class EmailTransport:
    """SMTP through Django's email backend.

    `before_handoff` runs once the server is reachable, just before the message is handed over:
    the caller records that moment, so a worker that dies after it is known to have possibly
    sent the message and is never retried blindly.
    """

    def send(self, message: EmailMessage, *, before_handoff: Callable[[], None]) -> None:
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as error:
            raise TransportError(
                f"cannot reach the mail server: {error}", retryable=True
            ) from error
        try:
            before_handoff()
            connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            retryable = all(400 <= code < 500 for code in codes)
            raise TransportError(f"recipient refused: {codes}", retryable=retryable) from error
        except smtplib.SMTPResponseException as error:
            raise TransportError(
                f"mail server answered {error.smtp_code}: {error.smtp_error!r}",
                retryable=400 <= error.smtp_code < 500,
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            raise TransportError(
                f"mail server connection failed: {error}", retryable=True
            ) from error
        finally:
            connection.close()


def transport_for(channel: str) -> EmailTransport | None:
    if channel == "email":
        return EmailTransport()
    return None
