"""What the local Click and Payme sandboxes share (CONTRACT 10): a real HTTP server with a
payment page, a fault switch, and callbacks sent to the site the way a provider sends them.

Knows no provider: payments_click/sandbox.py and payments_payme/sandbox.py subclass
`ProviderSandbox`, which

- routes `GET /` (the sandbox's own page), `GET /__sandbox__/state` (JSON for tests and
  curl), `POST /__sandbox__/fault` (form field `fault`, empty for none; with a `next` path
  the browser is sent back there), and paths an extension claims (a fake of the provider's
  other APIs, written beside it: `handle(method, path, headers, body) -> (status, headers,
  body)`, optional `faults`, `set_fault(name)`, `page_html()`);
- sends each callback over HTTP with the fault in force applied (`deliver`): `repeat` sends
  every callback twice, `concurrent` sends the completing one 8 times at once, `slow` waits
  `slow_seconds` (15 s) before reading the completing callback's first answer and `drop`
  closes the connection without reading it, and both then send it again, since a provider
  that got no answer in time retries: the worst case for the site;
- keeps what every callback answered (`Attempt`), shown on the pages and in the state.
"""

import html
import itertools
import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPSConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from requests.structures import CaseInsensitiveDict

# Faults every provider sandbox offers; each adds its own (bad_sign, bad_key, timeout...).
DELIVERY_FAULTS = ("repeat", "concurrent", "slow", "drop")
CONCURRENT_COPIES = 8
SLOW_SECONDS = 15.0  # longer than a provider waits for an answer
RETRY_PAUSE = 0.3  # between a lost answer and the provider's retry
CALLBACK_TIMEOUT = 60.0
MAX_BODY = 1024 * 1024
KEEP_ATTEMPTS = 200


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @classmethod
    def html(cls, text: str, status: int = 200) -> "Response":
        return cls(status, [("Content-Type", "text/html; charset=utf-8")], text.encode())

    @classmethod
    def json(cls, value: object, status: int = 200) -> "Response":
        body = json.dumps(value, indent=1).encode()
        return cls(status, [("Content-Type", "application/json")], body)

    @classmethod
    def text(cls, text: str, status: int = 200) -> "Response":
        return cls(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode())

    @classmethod
    def see_other(cls, location: str) -> "Response":
        return cls(303, [("Location", location)], b"")


@dataclass
class Step:
    """One callback as sent, and what came back."""

    name: str
    request: dict
    answer: object = None  # the decoded JSON answer, or the raw text
    status: int | None = None
    problem: str = ""  # why there is no usable answer, or what the sandbox did to it
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "request": self.request,
            "status": self.status,
            "answer": self.answer,
            "problem": self.problem,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Attempt:
    """One press of Pay or Decline: the callbacks the sandbox sent for it, in order."""

    number: int
    order: str
    action: str
    fault: str
    started: float = field(default_factory=time.time)
    steps: list[Step] = field(default_factory=list)
    outcome: str = "running"
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, step: Step) -> None:
        with self.lock:
            self.steps.append(step)

    def as_dict(self) -> dict:
        with self.lock:
            steps = [step.as_dict() for step in self.steps]
        return {
            "number": self.number,
            "order": self.order,
            "action": self.action,
            "fault": self.fault,
            "outcome": self.outcome,
            "steps": steps,
        }


def http_post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    behaviour: str = "normal",
    slow_seconds: float = SLOW_SECONDS,
    timeout: float = CALLBACK_TIMEOUT,
) -> tuple[int, bytes] | None:
    """POST `body`; None when `behaviour` is "drop" (closed without reading the answer)."""
    parts = urlsplit(url)
    connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=body, headers=headers)
        if behaviour == "drop":
            return None
        if behaviour == "slow":
            time.sleep(slow_seconds)  # the answer waits unread, as on a congested link
        response = connection.getresponse()
        return response.status, response.read(MAX_BODY)
    finally:
        connection.close()


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def pretty(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return "(none)" if value is None else str(value)


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def server_version(self):
        return f"{self.server.title.replace(' ', '')}/1.0"

    def log_message(self, message_format, *args):
        if self.server.verbose:
            super().log_message(message_format, *args)

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""
        headers = CaseInsensitiveDict(self.headers.items())
        try:
            response = self.server.dispatch(self.command, self.path, headers, body)
        except Exception as error:  # the sandbox's own bug: say so instead of hanging up
            self.server.report(f"sandbox error on {self.command} {self.path}: {error!r}")
            response = Response.text(f"sandbox error: {error!r}\n", status=500)
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_OPTIONS = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class ProviderSandbox(ThreadingHTTPServer):
    """The base of a provider's local copy: routes, faults, attempts, page frame."""

    daemon_threads = True
    title = "Provider sandbox"
    own_faults: tuple[str, ...] = DELIVERY_FAULTS
    # (path prefix, attribute holding the extension object): subclasses fill in.
    extension_prefixes: tuple[tuple[str, str], ...] = ()

    def __init__(self, address, *, site: str, fault: str | None = None, verbose: bool = False):
        super().__init__(address, SandboxHandler)
        self.site = site.rstrip("/")
        self.verbose = verbose
        self.slow_seconds = SLOW_SECONDS
        self.retry_pause = RETRY_PAUSE
        self.lock = threading.Lock()
        self.fault = ""
        self.forwarded = ""  # a fault of an extension, not ours
        self.attempts: deque[Attempt] = deque(maxlen=KEEP_ATTEMPTS)
        self.numbers = itertools.count(1)
        try:
            self.set_fault(fault or "")
        except ValueError:
            self.server_close()
            raise

    # -- extensions (the fakes of the provider's other APIs) ------------------------------

    def extensions(self) -> list[object]:
        found = []
        for _prefix, attribute in self.extension_prefixes:
            extension = getattr(self, attribute, None)
            if extension is not None and extension not in found:
                found.append(extension)
        return found

    def extension_for(self, path: str) -> object | None:
        for prefix, attribute in self.extension_prefixes:
            if path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/"):
                return getattr(self, attribute, None)
        return None

    # -- faults ---------------------------------------------------------------------------

    @property
    def faults(self) -> tuple[str, ...]:
        names = list(self.own_faults)
        for extension in self.extensions():
            names += [name for name in getattr(extension, "faults", ()) if name not in names]
        return tuple(names)

    def set_fault(self, name: str | None) -> str:
        """Switch to fault `name` ("" or None: none); ValueError for a name not offered."""
        name = (name or "").strip()
        if name and name not in self.faults:
            raise ValueError(f"fault must be one of {', '.join(self.faults)} (or empty)")
        with self.lock:
            self.fault = name if name in self.own_faults else ""
            self.forwarded = name if name and name not in self.own_faults else ""
        for extension in self.extensions():
            setter = getattr(extension, "set_fault", None)
            if setter is not None:
                setter(name if name in getattr(extension, "faults", ()) else None)
        return name

    def current_fault(self) -> str:
        with self.lock:
            return self.fault

    def selected_fault(self) -> str:
        """The fault shown as selected: ours, else the one forwarded to an extension."""
        with self.lock:
            return self.fault or self.forwarded

    # -- attempts -------------------------------------------------------------------------

    def new_attempt(self, order: str, action: str) -> Attempt:
        attempt = Attempt(next(self.numbers), order, action, self.current_fault())
        with self.lock:
            self.attempts.appendleft(attempt)
        return attempt

    def attempts_for(self, order: str | None = None) -> list[Attempt]:
        with self.lock:
            return [a for a in self.attempts if order is None or a.order == order]

    def report(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    # -- delivering a callback with the fault in force ------------------------------------

    def deliver(self, attempt: Attempt, send, *, completing: bool) -> Step:
        """Send one callback as the fault says; return the Step whose answer counts.

        `send(behaviour) -> Step` posts the callback once and records it.
        """
        fault = attempt.fault
        if fault == "repeat":
            first = send("normal")
            send("normal")
            return first
        if completing and fault == "concurrent":
            barrier = threading.Barrier(CONCURRENT_COPIES)
            steps: list[Step | None] = [None] * CONCURRENT_COPIES

            def one(index: int) -> None:
                barrier.wait(timeout=30)
                steps[index] = send("normal")

            threads = [
                threading.Thread(target=one, args=(index,), daemon=True)
                for index in range(CONCURRENT_COPIES)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=CALLBACK_TIMEOUT + 30)
            answered = [step for step in steps if step is not None]
            accepted = [step for step in answered if self.accepted(step)]
            return (accepted or answered)[0]
        if completing and fault in ("slow", "drop"):
            send(fault)
            time.sleep(self.retry_pause)
            return send("normal")
        return send("normal")

    def post(self, attempt: Attempt, name: str, url: str, body: bytes, headers, shown, behaviour):
        """POST one callback and record it; `shown` is the request as the page shows it."""
        step = Step(name=name, request=shown)
        started = time.monotonic()
        try:
            answer = http_post(
                url, body, headers, behaviour=behaviour, slow_seconds=self.slow_seconds
            )
        except OSError as error:
            step.problem = f"no answer: {error.__class__.__name__}: {error}"
        else:
            if answer is None:
                step.problem = "dropped: the sandbox closed the connection unread, then retries"
            else:
                step.status, raw = answer
                try:
                    step.answer = json.loads(raw)
                except ValueError:
                    step.answer = raw.decode("utf-8", "replace")[:2000]
                    step.problem = "the answer is not JSON"
                if behaviour == "slow":
                    step.problem = (
                        f"read after {self.slow_seconds:g} s: too late for the provider, "
                        "which sends the callback again"
                    )
        step.seconds = time.monotonic() - started
        attempt.add(step)
        return step

    def accepted(self, step: Step) -> bool:
        """Whether the answer is the site's success (subclasses know the protocol)."""
        return False

    # -- routing --------------------------------------------------------------------------

    def dispatch(self, method: str, target: str, headers, body: bytes) -> Response:
        parts = urlsplit(target)
        path = parts.path
        extension = self.extension_for(path)
        if extension is not None:
            status, extra_headers, answer = extension.handle(method, path, headers, body)
            return Response(status, list(extra_headers), answer)
        if path == "/__sandbox__/fault":
            if method != "POST":
                return Response.text("POST fault=NAME (empty for none)\n", status=405)
            return self.switch_fault(dict(parse_qsl(body.decode("utf-8", "replace"))))
        if path == "/__sandbox__/state" and method in ("GET", "HEAD"):
            return Response.json(self.state())
        if path == "/" and method in ("GET", "HEAD"):
            return Response.html(self.index_page())
        return self.route(method, parts, headers, body)

    def route(self, method: str, parts, headers, body: bytes) -> Response:
        return Response.text("not found\n", status=404)

    def switch_fault(self, form: dict) -> Response:
        try:
            name = self.set_fault(form.get("fault", ""))
        except ValueError as error:
            return Response.text(f"{error}\n", status=400)
        back = form.get("next", "")
        if back.startswith("/") and not back.startswith("//"):
            return Response.see_other(back)
        return Response.json({"fault": name, "faults": list(self.faults)})

    def state(self) -> dict:
        return {
            "provider": self.title,
            "site": self.site,
            "fault": self.selected_fault(),
            "faults": list(self.faults),
            "slow_seconds": self.slow_seconds,
            "attempts": [attempt.as_dict() for attempt in self.attempts_for()],
        }

    # -- pages ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) rows of the index page: the settings the sandbox uses."""
        return [("Site called", self.site)]

    def index_page(self) -> str:
        rows = "".join(
            f"<tr><th>{escape(label)}</th><td><code>{escape(value)}</code></td></tr>"
            for label, value in self.describe()
        )
        body = f"<table>{rows}</table>{self.fault_form('/')}"
        for extension in self.extensions():
            page_html = getattr(extension, "page_html", None)
            if page_html is not None:
                body += f"<section>{page_html()}</section>"
        body += "<h2>Callbacks sent</h2>" + self.attempts_html(self.attempts_for())
        return self.page(self.title, body)

    def fault_form(self, back: str) -> str:
        current = self.selected_fault()
        options = [("", "none")] + [(name, name) for name in self.faults]
        choices = "".join(
            f'<option value="{escape(value)}"{" selected" if value == current else ""}>'
            f"{escape(label)}</option>"
            for value, label in options
        )
        return (
            '<form method="post" action="/__sandbox__/fault" class="fault">'
            f'<input type="hidden" name="next" value="{escape(back)}">'
            f'<label>Fault <select name="fault" id="fault">{choices}</select></label> '
            '<button type="submit" id="set-fault">Set fault</button>'
            f" <small>now: <strong data-fault>{escape(current or 'none')}</strong></small>"
            "</form>"
        )

    def checkout_page(
        self,
        title: str,
        rows: str,
        *,
        action: str,
        back: str,
        order: str,
        heading: str,
        hidden: str = "",
    ) -> str:
        """A payment page: the order's `rows`, Pay and Decline, the fault switch, and what
        the sandbox sent for `order` so far."""
        body = f"""
<table>
{rows}
</table>
<form method="post" action="{escape(action)}" class="pay">{hidden}
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="decline">Decline</button>
</form>
{self.fault_form(back)}
<h2>{escape(heading)}</h2>
{self.attempts_html(self.attempts_for(order))}
"""
        return self.page(title, body)

    def attempts_html(self, attempts: list[Attempt]) -> str:
        if not attempts:
            return "<p>None yet.</p>"
        parts = []
        for attempt in attempts:
            data = attempt.as_dict()
            rows = "".join(
                '<div class="step">'
                f"<h4>{escape(step['name'])} <small>{step['seconds']:.2f} s"
                f"{', HTTP ' + str(step['status']) if step['status'] else ''}</small></h4>"
                + (f'<p class="problem">{escape(step["problem"])}</p>' if step["problem"] else "")
                + '<div class="pair">'
                f"<div><b>sent</b><pre>{escape(pretty(step['request']))}</pre></div>"
                f"<div><b>answer</b><pre>{escape(pretty(step['answer']))}</pre></div>"
                "</div></div>"
                for step in data["steps"]
            )
            parts.append(
                f'<section class="attempt" data-order="{escape(data["order"])}">'
                f"<h3>#{data['number']} {escape(data['action'])} "
                f"<code>{escape(data['order'])}</code>"
                f" (fault: {escape(data['fault'] or 'none')})</h3>"
                f'<p>Outcome: <strong class="outcome">{escape(data["outcome"])}</strong></p>'
                f"{rows}</section>"
            )
        return "".join(parts)

    def page(self, title: str, body: str) -> str:
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; max-width: 60rem; }}
table {{ border-collapse: collapse; margin: .5rem 0; }}
th, td {{ border: 1px solid #ccc; padding: .25rem .5rem; text-align: left;
  vertical-align: top; font-size: .9rem; }}
td code {{ word-break: break-all; }}
pre {{ white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: .4rem;
  margin: .2rem 0; font-size: .8rem; }}
.attempt {{ border-top: 2px solid #ddd; margin-top: 1rem; }}
.step h4 {{ margin: .6rem 0 .2rem; }}
.pair {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
  gap: .5rem; }}
.problem {{ color: #8a4b00; margin: .2rem 0; }}
.pay button {{ font-size: 1.1rem; padding: .5rem 1.5rem; margin-right: 1rem; }}
.fault {{ background: #fff7e0; padding: .5rem; margin: 1rem 0; }}
.note {{ color: #555; }}
</style></head>
<body><h1>{escape(title)}</h1>
<p class="note">A local copy of the provider for development and tests: no money moves.</p>
{body}
</body></html>
"""

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return  # the browser went away: nothing to report
        super().handle_error(request, client_address)


def default_site() -> str:
    """The site a sandbox calls when not told: SITE_URL, else the dev server."""
    return settings.SITE_URL or "http://127.0.0.1:8000"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def start_sandbox(server_class, thread_name: str, port: int, host: str, **options):
    """Serve a sandbox built from settings in a daemon thread; return (server, thread, url)."""
    server = server_class.from_settings((host, port), **options)
    thread = serve_in_thread(server, thread_name)
    return server, thread, server.base_url


def serve_until_interrupted(server: ProviderSandbox) -> None:
    """What the management commands do: serve until Ctrl-C or SIGTERM, then close."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def serve_in_thread(server: ProviderSandbox, name: str) -> threading.Thread:
    """Serve `server` in a daemon thread; stop with server.shutdown(); server.server_close()."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=name, daemon=True)
    thread.start()
    return thread
