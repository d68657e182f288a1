"""An SMTP server on 127.0.0.1 keeping what the test servers send.

The CRM's test servers send their e-mail here (``[email] uri``), so that a
test sees what would have left the machine: the recipients and the raw
message, attachments included."""
import email
import email.policy
import threading

from aiosmtpd.controller import Controller

from crm_testing import free_port


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        self.sink._received(envelope.rcpt_tos, envelope.content)
        return '250 OK'


class SmtpSink:
    "Start with start(), read messages, stop with stop()."

    def __init__(self):
        self.port = free_port()
        self.uri = f'smtp://127.0.0.1:{self.port}'
        self._lock = threading.Lock()
        self._messages = []
        self._controller = Controller(
            _Handler(self), hostname='127.0.0.1', port=self.port)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def _received(self, recipients, content):
        with self._lock:
            self._messages.append((list(recipients), bytes(content)))

    def count(self):
        "The number of messages received so far (a mark for since())."
        with self._lock:
            return len(self._messages)

    def since(self, mark=0):
        "Return [(recipients, raw bytes, parsed message)] after mark."
        with self._lock:
            messages = self._messages[mark:]
        return [(r, raw, email.message_from_bytes(
                    raw, policy=email.policy.default))
            for r, raw in messages]

    @staticmethod
    def text_of(message):
        "All the decoded text and attachment data of a parsed message."
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b''
            parts.append(payload.decode('utf-8', 'replace'))
        return '\n'.join(parts)
