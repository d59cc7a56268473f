"""Click's Merchant API fake served over real HTTP on a loopback port, for tests."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from payments_click.sandbox_merchant import MerchantAPI


def serve(api: MerchantAPI) -> tuple[ThreadingHTTPServer, threading.Thread, str]:
    """Start a server handing every request to `api`; returns (server, thread, base URL)."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = api.handle(
                self.command, self.path, dict(self.headers.items()), body
            )
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_DELETE = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address
    return server, thread, f"http://{host}:{port}/v2/merchant"
