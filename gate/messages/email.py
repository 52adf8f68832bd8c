"""Messages by e-mail, through an SMTP relay (aiosmtplib). One message per attempt; the
``Message-ID`` is the delivery's stable id, so a mail sent twice after a crash (sent, then
the process died before marking it) is one message to any client that threads by it."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from gate.config import Settings
from gate.outbox.protocols import Outcome
from gate.store.tables import Delivery

log = logging.getLogger("gate.messages")


def email_of(delivery: Delivery, sender: str) -> EmailMessage:
    """The e-mail of a message delivery (payload ``to``, ``subject``, ``text``), plain text
    in UTF-8, its id the delivery's."""
    payload = delivery.payload
    message = EmailMessage()
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "gate.invalid"
    message["Message-ID"] = f"<{delivery.id}@{domain}>"
    message.set_content(payload["text"])
    # After set_content, which drops every Content- header set before it.
    if delivery.language:
        message["Content-Language"] = delivery.language
    return message


class EmailSender:
    """Sends message deliveries of the ``email`` channel. A 5xx answer from the relay (an
    address refused, the message rejected) gives up; a 4xx (try later: greylisting, a full
    mailbox, the relay busy), at any step, a refused or dropped connection or a timeout
    retries. The error kept names the SMTP code or the exception's
    class: never the address, nor the relay's text (it may quote the address)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, delivery: Delivery) -> Outcome:
        """One attempt (module docstring)."""
        s = self.settings
        if not s.smtp_host or not s.smtp_from:
            return Outcome.permanent(None, "e-mail is not configured on this platform")
        try:
            await aiosmtplib.send(
                email_of(delivery, s.smtp_from),
                # The envelope names the chosen address alone: read from the To header, an
                # address with a comma would become two recipients.
                recipients=[delivery.payload["to"]],
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.message_timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            # A 4xx for the recipient (greylisting, a full mailbox, a relay busy) is "later".
            codes = sorted({each.code for each in error.recipients})
            code = codes[-1] if codes else None
            if code is not None and 400 <= code < 500:
                return Outcome.retry(code, f"smtp {code}: recipient deferred")
            return Outcome.permanent(code, f"smtp {code}: recipient refused")
        except aiosmtplib.SMTPResponseException as error:
            said = f"smtp {error.code}"
            if 500 <= error.code < 600:
                return Outcome.permanent(error.code, said)
            return Outcome.retry(error.code, said)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return Outcome.retry(None, f"smtp: {type(error).__name__}")
        return Outcome.delivered(250)
