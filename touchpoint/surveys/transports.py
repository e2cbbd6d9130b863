"""Delivery transports. Each sends one message and says, on failure, whether a retry can help."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

log = logging.getLogger("touchpoint.delivery")

# Twilio: "attempt to send to unsubscribed recipient" (the person texted STOP to the number).
TWILIO_UNSUBSCRIBED = 21610


class TransportError(Exception):
    """A message that did not go out. `retryable`: a later attempt may succeed.
    `maybe_delivered`: the provider may have taken it all the same (a reply that never came),
    so it must not be sent again. `code`: the provider's error code, when it gave one."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        maybe_delivered: bool = False,
        code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable and not maybe_delivered
        self.maybe_delivered = maybe_delivered
        self.code = code


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


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


class _RebasedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending to another base address when one is configured
    (`TWILIO_API_URL`: a regional proxy, or the local imitation the tests run)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url

    def request(self, method: str, url: str, *args, **kwargs):
        if self.base_url:
            parts = urlsplit(url)
            url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, url, *args, **kwargs)


class TwilioSmsTransport:
    """SMS through Twilio's Messages API with the official client and the account's
    credentials. Returns the message SID Twilio gives.

    Errors: Twilio refusing the message (4xx: an invalid or unsubscribed number, a sender it
    does not know) is final; 401 (credentials), 429 and 5xx, or no connection at all, are
    retried. A request that
    reached Twilio but whose answer never came (read timeout) may have been sent, so it is
    reported as possibly delivered and not retried.
    """

    def __init__(self, sms_settings) -> None:
        self.settings = sms_settings
        self.client = TwilioClient(
            sms_settings.account_sid,
            sms_settings.auth_token,
            http_client=_RebasedHttpClient(settings.TWILIO_API_URL, settings.SMS_TIMEOUT),
        )

    def send(self, message: SmsMessage, *, before_handoff: Callable[[], None]) -> str:
        sender = (
            {"messaging_service_sid": self.settings.messaging_service_sid}
            if self.settings.messaging_service_sid
            else {"from_": self.settings.from_number}
        )
        before_handoff()
        try:
            created = self.client.messages.create(to=message.to, body=message.body, **sender)
        except TwilioRestException as error:
            raise TransportError(
                f"Twilio answered {error.status} (error {error.code}): {error.msg}",
                # 401: the account's credentials are wrong or were rotated; an admin can fix
                # them while the back-off waits, instead of every SMS failing at once.
                retryable=error.status in (401, 429) or error.status >= 500,
                code=error.code,
            ) from error
        except requests.exceptions.ReadTimeout as error:
            raise TransportError(
                f"Twilio did not answer within {settings.SMS_TIMEOUT}s; the message may have "
                "been sent, so it is not sent again",
                retryable=False,
                maybe_delivered=True,
            ) from error
        except requests.exceptions.RequestException as error:
            raise TransportError(f"cannot reach Twilio: {error}", retryable=True) from error
        return created.sid

    def close(self) -> None:
        session = self.client.http_client.session
        if session is not None:
            session.close()


class DevOutboxSmsTransport:
    """Development only (DEV_OUTBOX on, no SMS credentials): the message is kept in the dev
    outbox for a person to read. Nothing reaches a phone, and the log says so."""

    def __init__(self, account) -> None:
        self.account = account

    def send(self, message: SmsMessage, *, before_handoff: Callable[[], None]) -> str:
        from touchpoint.lib.sms import measure
        from touchpoint.outbox.models import CapturedSms

        before_handoff()
        length = measure(message.body)
        captured = CapturedSms.objects.create(
            account=self.account,
            to=message.to,
            body=message.body,
            encoding=length.encoding,
            segments=length.segments,
        )
        log.warning(
            "account %s has no SMS provider: SMS %s kept in the dev outbox, not sent to a phone",
            self.account.pk,
            captured.pk,
        )
        return f"dev-outbox-{captured.pk}"

    def close(self) -> None:
        pass


class Transports:
    """The transports of one sending pass, made on first use and closed together."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, int | None], object] = {}

    def for_channel(self, channel: str, account=None):
        """The transport for a channel (SMS: per account, with its credentials), or None."""
        key = (channel, account.pk if channel == "sms" and account is not None else None)
        if key not in self._open:
            transport = self._make(channel, account)
            if transport is None:
                return None
            self._open[key] = transport
        return self._open[key]

    def _make(self, channel: str, account):
        if channel == "email":
            return EmailTransport()
        if channel != "sms" or account is None:
            return None
        from touchpoint.sms.models import SmsSettings

        sms_settings = SmsSettings.objects.filter(account=account, is_active=True).first()
        if sms_settings is not None:
            return TwilioSmsTransport(sms_settings)
        if settings.DEV_OUTBOX:
            return DevOutboxSmsTransport(account)
        log.warning("account %s has no SMS provider: its SMS invitations are not sent", account.pk)
        return None

    def close(self) -> None:
        for transport in self._open.values():
            transport.close()
        self._open.clear()

    def __enter__(self) -> Transports:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
