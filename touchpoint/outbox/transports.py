"""Transports: each sends one message and, on failure, says what a retry could do.

A `TransportError` is one of three kinds:

- `server_down`: the destination as a whole is unreachable (connection refused or lost
  before the message was handed over, SMTP 421, provider 5xx or rate limit). The outbox
  opens the destination's circuit and the message waits without spending an attempt.
- `maybe_delivered`: the message was handed over and the answer never came (a connection
  lost after the SMTP body, an HTTP read timeout): it may have arrived, so it is never sent
  again blindly.
- otherwise `retryable` (this message, later: SMTP 451, a 4xx recipient) or final (5xx).

`before_handoff` is called at the last moment before the message itself goes on the wire
(for SMTP, once the server has said 354 to DATA), so the caller can record it first.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

from touchpoint.lib import signing
from touchpoint.lib.sms import measure
from touchpoint.outbox.models import CapturedSms, SmsSettings

log = logging.getLogger("touchpoint.outbox")

# Twilio: "attempt to send to unsubscribed recipient" (the person texted STOP to the number).
TWILIO_UNSUBSCRIBED = 21610
# Twilio: an invalid number, not a mobile number, not reachable by SMS.
TWILIO_BAD_NUMBER = {21211, 21612, 21614}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
WEBHOOK_TIMEOUT = 10.0
# Client errors that a later attempt may well get past.
RETRYABLE_4XX = {408, 409, 425, 429}
# Answers that say the receiving server as a whole is not serving now.
SERVER_DOWN_STATUS = {429, 502, 503, 504}


class TransportError(Exception):
    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        maybe_delivered: bool = False,
        server_down: bool = False,
        address_refused: bool = False,
        code: int | None = None,
        status: int | None = None,
        retry_after: dt.timedelta | None = None,
    ) -> None:
        super().__init__(message)
        # The address or number itself is refused for good (a hard bounce, a number that
        # cannot take SMS): the sender suppresses it.
        self.address_refused = address_refused
        self.maybe_delivered = maybe_delivered
        self.server_down = server_down and not maybe_delivered
        self.retryable = (retryable or self.server_down) and not maybe_delivered
        self.code = code
        self.status = status
        # The destination asked to be left alone this long (HTTP Retry-After).
        self.retry_after = retry_after


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


# --- Email ------------------------------------------------------------------------------------


class _SMTP(smtplib.SMTP):
    """smtplib's DATA, with a call just before the body goes out and a note once it has:
    from then on a lost connection means the server may have stored the message."""

    before_body: Callable[[], None] | None = None
    body_sent = False

    def data(self, msg):
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")  # type: ignore[attr-defined]
        quoted = smtplib._quote_periods(msg)  # type: ignore[attr-defined]
        if quoted[-2:] != smtplib.bCRLF:
            quoted += smtplib.bCRLF
        if self.before_body is not None:
            self.before_body()
        self.body_sent = True
        self.send(quoted + b"." + smtplib.bCRLF)
        return self.getreply()


class _SMTP_SSL(smtplib.SMTP_SSL):
    """The same DATA over a connection that is TLS from the start."""

    before_body: Callable[[], None] | None = None
    body_sent = False
    data = _SMTP.data


class _Backend(EmailBackend):
    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP


def smtp_destination() -> str:
    return f"smtp:{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"


@dataclass(frozen=True)
class PreparedEmail:
    """An email rendered to what goes on the wire (what Django's SMTP backend sends)."""

    sender: str
    recipients: list[str]
    data: bytes


class EmailTransport:
    """SMTP with Django's settings, one connection kept open for a whole pass (and reopened
    after any error)."""

    def destination_of(self, message: EmailMessage | PreparedEmail) -> str:
        return smtp_destination()

    def __init__(self) -> None:
        self._backend: _Backend | None = None

    def prepare(self, message: EmailMessage | PreparedEmail) -> EmailMessage | PreparedEmail:
        """The message as bytes, rendered before a pass starts sending (over SMTP only: the
        other backends keep the message object, as the tests read it)."""
        if isinstance(message, PreparedEmail) or settings.EMAIL_BACKEND != SMTP_BACKEND:
            return message
        encoding = message.encoding or settings.DEFAULT_CHARSET
        return PreparedEmail(
            sender=sanitize_address(message.from_email, encoding),
            recipients=[sanitize_address(a, encoding) for a in message.recipients()],
            # Django's SafeMIME messages take `linesep`, as its SMTP backend calls them.
            data=message.message().as_bytes(linesep="\r\n"),  # type: ignore[call-arg]
        )

    def send(
        self, message: EmailMessage | PreparedEmail, *, before_handoff: Callable[[], None]
    ) -> None:
        if settings.EMAIL_BACKEND != SMTP_BACKEND:  # console, file, locmem: nothing to lose
            assert isinstance(message, EmailMessage)
            before_handoff()
            get_connection(fail_silently=False).send_messages([message])
            return
        if isinstance(message, EmailMessage):
            message = self.prepare(message)
        assert isinstance(message, PreparedEmail)
        if not message.recipients:
            raise TransportError("the message had no recipient", retryable=False)
        backend = self._open()
        smtp = backend.connection
        assert isinstance(smtp, _SMTP | _SMTP_SSL)
        smtp.before_body, smtp.body_sent = before_handoff, False
        try:
            smtp.sendmail(message.sender, message.recipients, message.data)
        except TransportError:
            raise
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            temporary = all(400 <= c < 500 for c in codes)
            raise TransportError(
                f"recipient refused: {codes}",
                retryable=temporary,
                address_refused=not temporary,
                code=codes[0] if codes else None,
            ) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            code = error.smtp_code
            raise TransportError(
                f"mail server answered {code}: {error.smtp_error!r}",
                retryable=400 <= code < 500,
                server_down=code == 421,
                code=code,
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            sent = smtp.body_sent
            self.close()
            if sent:
                raise TransportError(
                    f"the connection was lost after the message was handed over: {error}",
                    retryable=False,
                    maybe_delivered=True,
                ) from error
            raise TransportError(
                f"mail server connection lost: {error}", retryable=True, server_down=True
            ) from error
        except BaseException:
            # The caller refused at the hand-off (mid-DATA): this session cannot go on.
            self.close()
            raise

    def _open(self) -> _Backend:
        if self._backend is not None:
            return self._backend
        backend = _Backend(fail_silently=False)
        try:
            backend.open()
        except (OSError, smtplib.SMTPException) as error:
            code = getattr(error, "smtp_code", None)
            raise TransportError(
                f"cannot reach the mail server: {error}",
                retryable=True,
                server_down=True,
                code=code,
            ) from error
        self._backend = backend
        return backend

    def close(self) -> None:
        if self._backend is not None:
            try:
                self._backend.close()
            finally:
                self._backend = None


# --- SMS --------------------------------------------------------------------------------------


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

    Twilio refusing the message (an invalid or unsubscribed number, a sender it does not
    know) is final; 401 (credentials an admin may fix) is retried; 429, 5xx and no connection
    mean Twilio is not serving this account now (its circuit opens). A request that reached
    Twilio but whose answer never came may have been sent: never sent again.
    """

    def __init__(self, sms_settings: SmsSettings) -> None:
        self.settings = sms_settings
        self.destination = f"sms:{sms_settings.account_id}"
        self.client = TwilioClient(
            sms_settings.account_sid,
            sms_settings.auth_token,
            http_client=_RebasedHttpClient(settings.TWILIO_API_URL, settings.SMS_TIMEOUT),
        )

    def destination_of(self, message: SmsMessage) -> str:
        return self.destination

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
                retryable=error.status == 401,
                server_down=error.status in SERVER_DOWN_STATUS or error.status >= 500,
                address_refused=error.code in TWILIO_BAD_NUMBER,
                code=error.code,
                status=error.status,
            ) from error
        except requests.exceptions.ReadTimeout as error:
            raise TransportError(
                f"Twilio did not answer within {settings.SMS_TIMEOUT}s; the message may have "
                "been sent, so it is not sent again",
                retryable=False,
                maybe_delivered=True,
            ) from error
        except requests.exceptions.RequestException as error:
            raise TransportError(
                f"cannot reach Twilio: {error}", retryable=True, server_down=True
            ) from error
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
        self.destination = f"sms:{account.pk}"

    def destination_of(self, message: SmsMessage) -> str:
        return self.destination

    def send(self, message: SmsMessage, *, before_handoff: Callable[[], None]) -> str:
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


# --- Webhooks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookMessage:
    url: str
    payload: dict
    message_id: str  # the event id, the same on every attempt: receivers drop repeats
    secret: str | None  # signs the body (None: a Slack-compatible endpoint)


def webhook_destination(url: str) -> str:
    parts = urlsplit(url)
    return f"webhook:{parts.scheme}://{parts.netloc}".lower()


class WebhookTransport:
    """POSTs JSON; signed endpoints get the id, timestamp and signature headers. Returns
    the receiver's HTTP status (2xx)."""

    user_agent = "Touchpoint-Webhooks/1"

    def destination_of(self, message: WebhookMessage) -> str:
        return webhook_destination(message.url)

    def send(self, message: WebhookMessage, *, before_handoff: Callable[[], None]) -> int:
        body = json.dumps(message.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "User-Agent": self.user_agent}
        if message.secret:
            headers.update(
                signing.signed_headers(message.secret, message.message_id, int(time.time()), body)
            )
        if not message.url.lower().startswith(("http://", "https://")):
            raise TransportError(f"not an http(s) URL: {message.url[:60]!r}", retryable=False)
        request = urllib.request.Request(message.url, data=body, headers=headers, method="POST")  # noqa: S310
        before_handoff()
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as reply:  # noqa: S310
                return reply.status
        except urllib.error.HTTPError as error:
            status = error.code
            raise TransportError(
                f"receiver answered HTTP {status}",
                retryable=status >= 500 or status in RETRYABLE_4XX,
                server_down=status in SERVER_DOWN_STATUS,
                status=status,
            ) from error
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TransportError(
                f"receiver unreachable: {reason}", retryable=True, server_down=True
            ) from error

    def close(self) -> None:
        pass


# --- One pass ---------------------------------------------------------------------------------


class Transports:
    """The transports of one sending pass, made on first use and closed together."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, int | None], object] = {}

    def email(self) -> EmailTransport:
        return self._get(("email", None), EmailTransport)  # type: ignore[return-value]

    def webhook(self) -> WebhookTransport:
        return self._get(("webhook", None), WebhookTransport)  # type: ignore[return-value]

    def sms(self, account) -> TwilioSmsTransport | DevOutboxSmsTransport | None:
        """The account's SMS transport with its credentials, or None when it has none."""
        key = ("sms", account.pk)
        if key not in self._open:
            sms_settings = SmsSettings.objects.filter(account=account, is_active=True).first()
            if sms_settings is not None:
                self._open[key] = TwilioSmsTransport(sms_settings)
            elif settings.DEV_OUTBOX:
                self._open[key] = DevOutboxSmsTransport(account)
            else:
                log.warning("account %s has no SMS provider: its SMS are not sent", account.pk)
                return None
        return self._open[key]  # type: ignore[return-value]

    def _get(self, key: tuple[str, int | None], make: Callable[[], object]) -> object:
        if key not in self._open:
            self._open[key] = make()
        return self._open[key]

    def close(self) -> None:
        for transport in self._open.values():
            transport.close()  # type: ignore[attr-defined]
        self._open.clear()

    def __enter__(self) -> Transports:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
