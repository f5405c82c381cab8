"""A test backend for the reverse proxy tests: an HTTP/1.1 server that says who answered.

Run as a separate process (so a test can kill it):
    /usr/bin/python3 proxy_backend.py NAME [PORT]
It prints "listening on 127.0.0.1:PORT" on stdout once it accepts connections.

Routes (any other path: 200 with the JSON report):
    GET  /anything      {"name", "method", "path", "headers", "body_bytes"} as JSON
    GET  /slow?s=N      the report after N seconds
    GET  /big?n=BYTES   BYTES of a repeating pattern with Content-Length
    GET  /chunked?n=B   B bytes in chunks of 10000 (Transfer-Encoding: chunked)
    GET  /close?n=B     B bytes delimited by closing the connection (HTTP/1.0 style)
    GET  /status?code=N an empty response with that status
    PUT/POST any        reads the body (Content-Length or chunked), answers the report with
                        "body_bytes" and "sha256" of it
    GET  /ws            WebSocket (Upgrade: websocket): echoes every text/binary message,
                        answers a close frame with a close frame
"""
import base64
import hashlib
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

NAME = "backend"  # set from the command line in __main__
PATTERN = bytes(range(256)) * 64  # 16 KiB; bodies repeat it from offset 0
CYCLE = PATTERN * 2
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def query(self):
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def report(self, body_bytes=0, digest=None, status=200):
        info = {"name": NAME, "method": self.command, "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()], "body_bytes": body_bytes}
        if digest is not None:
            info["sha256"] = digest
        data = json.dumps(info).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Backend", NAME)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        h = hashlib.sha256()
        n = 0
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                left = size
                while left:
                    b = self.rfile.read(min(left, 1 << 20))
                    if not b:
                        raise ConnectionError("body cut")
                    h.update(b)
                    n += len(b)
                    left -= len(b)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                b = self.rfile.read(min(left, 1 << 20))
                if not b:
                    raise ConnectionError("body cut")
                h.update(b)
                n += len(b)
                left -= len(b)
        return n, h.hexdigest()

    def do_GET(self):
        path = urlsplit(self.path).path
        q = self.query()
        if path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if path == "/slow":
            time.sleep(float(q.get("s", "1")))
            return self.report()
        if path == "/status":
            self.send_response(int(q.get("code", "200")))
            self.send_header("Content-Length", "0")
            self.send_header("X-Backend", NAME)
            self.end_headers()
            return
        if path in ("/big", "/chunked", "/close"):
            n = int(q.get("n", "0"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("X-Backend", NAME)
            if path == "/big":
                self.send_header("Content-Length", str(n))
            elif path == "/chunked":
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command == "HEAD":
                return
            sent = 0
            step = 10000 if path == "/chunked" else len(PATTERN)
            while sent < n:
                start = sent % len(PATTERN)
                piece = CYCLE[start:start + min(step, n - sent)]
                if path == "/chunked":
                    self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
                else:
                    self.wfile.write(piece)
                sent += len(piece)
            if path == "/chunked":
                self.wfile.write(b"0\r\n\r\n")
            return
        self.report()

    do_HEAD = do_GET
    do_OPTIONS = do_GET

    def do_POST(self):
        n, digest = self.read_body()
        self.report(body_bytes=n, digest=digest)

    do_PUT = do_POST
    do_DELETE = do_POST
    do_PATCH = do_POST

    # --- WebSocket (RFC 6455), just enough for an echo ----------------------------------------
    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.send_header("X-Backend", NAME)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        while True:
            frame = read_frame(self.rfile)
            if frame is None:
                return
            opcode, payload = frame
            if opcode == 8:
                self.wfile.write(make_frame(8, payload))
                self.wfile.flush()
                return
            if opcode == 9:
                self.wfile.write(make_frame(10, payload))
            else:
                self.wfile.write(make_frame(opcode, payload))
            self.wfile.flush()


def read_exact(f, n):
    data = b""
    while len(data) < n:
        b = f.read(n - len(data))
        if not b:
            return None
        data += b
    return data


def read_frame(f):
    """One frame (no fragmentation support needed here); (opcode, payload) or None at EOF."""
    head = read_exact(f, 2)
    if head is None:
        return None
    opcode = head[0] & 0x0F
    masked = head[1] & 0x80
    n = head[1] & 0x7F
    if n == 126:
        n = int.from_bytes(read_exact(f, 2), "big")
    elif n == 127:
        n = int.from_bytes(read_exact(f, 8), "big")
    mask = read_exact(f, 4) if masked else b"\0\0\0\0"
    payload = read_exact(f, n) if n else b""
    if payload is None:
        return None
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def make_frame(opcode, payload, mask=None):
    head = bytes([0x80 | opcode])
    bit = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([bit | 127]) + n.to_bytes(8, "big")
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


if __name__ == "__main__":
    NAME = sys.argv[1]
    server = Server(("127.0.0.1", int(sys.argv[2]) if len(sys.argv) > 2 else 0), Handler)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
