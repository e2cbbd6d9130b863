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
    """SMTP through Django's email backend, keeping one connection open for a batch.

    `before_handoff` runs once the server is reachable, just before the message is handed over:
    the caller records that moment, so a worker that dies after it is known to have possibly
    sent the message and is never retried blindly. After any error the connection is dropped
    and the next message opens a fresh one.
    """

    def __init__(self) -> None:
        self._connection = None

    def send(self, message: EmailMessage, *, before_handoff: Callable[[], None]) -> None:
        if self._connection is None:
            connection = get_connection(fail_silently=False)
            try:
                connection.open()
            except (OSError, smtplib.SMTPException) as error:
                raise TransportError(
                    f"cannot reach the mail server: {error}", retryable=True
                ) from error
            self._connection = connection
        try:
            before_handoff()
            self._connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            retryable = all(400 <= code < 500 for code in codes)
            self.close()
            raise TransportError(f"recipient refused: {codes}", retryable=retryable) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            raise TransportError(
                f"mail server answered {error.smtp_code}: {error.smtp_error!r}",
                retryable=400 <= error.smtp_code < 500,
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TransportError(
                f"mail server connection failed: {error}", retryable=True
            ) from error

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Transports:
    """The transports of one sending pass, made on first use and closed together."""

    def __init__(self) -> None:
        self._open: dict[str, EmailTransport] = {}

    def for_channel(self, channel: str) -> EmailTransport | None:
        if channel not in self._open:
            if channel != "email":
                return None
            self._open[channel] = EmailTransport()
        return self._open[channel]

    def close(self) -> None:
        for transport in self._open.values():
            transport.close()
        self._open.clear()

    def __enter__(self) -> Transports:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
