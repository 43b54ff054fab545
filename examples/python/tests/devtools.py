"""Headless Chromium driven over the DevTools protocol, standard library only.

    with Browser() as b:
        b.navigate("http://127.0.0.1:8080/?user=1")
        b.wait_for("document.body.dataset.state === 'ready'")
        titles = b.evaluate("[...document.querySelectorAll('#top .title')].map(e => e.textContent)")
        b.screenshot("page.png")

Chromium is started with --remote-debugging-port=0 and a fresh profile; the
port it picked is read from the profile's DevToolsActivePort file, the
page's websocket from /json/list.  The websocket client is the minimum the
protocol needs (RFC 6455: masked text frames out; text, continuation,
ping and close frames in).  Uncaught page exceptions and console errors are
collected in `errors`, failed requests in `network_errors`.
"""

import base64
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from urllib.parse import urlsplit

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def find_chromium():
    """The browser to drive: $GNNREC_CHROMIUM, else the first of NAMES on PATH."""
    explicit = os.environ.get("GNNREC_CHROMIUM")
    if explicit:
        return explicit if shutil.which(explicit) else None
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(Exception):
    pass


class _WebSocket:
    def __init__(self, url, timeout):
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                          % (parts.path.encode(), parts.hostname.encode(), parts.port, key))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise BrowserError("the DevTools websocket closed during the handshake")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
        if not head.startswith(b"HTTP/1.1 101") or accept not in head:
            raise BrowserError("the DevTools websocket refused the handshake: %r" % head[:200])

    def send(self, text):
        data = text.encode()
        n = len(data)
        header = bytes([0x81])  # FIN, text
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise BrowserError("the DevTools websocket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def receive(self):
        """The next text message (fragments joined; pings answered)."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise BrowserError("the browser closed the DevTools connection")
            if opcode == 0x9:  # ping: answer with a pong carrying the same data
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
                continue
            if opcode in (0x0, 0x1, 0x2):
                parts.append(payload)
                if b0 & 0x80:
                    return b"".join(parts).decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Browser:
    """One headless Chromium with one page."""

    def __init__(self, width=1280, height=900, timeout=60):
        exe = find_chromium()
        if exe is None:
            raise BrowserError("no Chromium found (set GNNREC_CHROMIUM or install chromium)")
        self.timeout = timeout
        self.errors = []  # uncaught exceptions, console.error, other error log entries
        self.network_errors = []  # failed requests: "Failed to load resource: ... 404 ... URL"
        self._next = 0
        self.profile = tempfile.mkdtemp(prefix="gnnrec-chromium-")
        self._log = open(os.path.join(self.profile, "chromium.log"), "wb")
        args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--hide-scrollbars", "--remote-debugging-port=0", "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (width, height), "about:blank"]
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            self.ws = _WebSocket(self._page_socket(), timeout)
            self.command("Runtime.enable")
            self.command("Page.enable")
            self.command("Log.enable")
        except BaseException:
            self.close()
            raise

    def _page_socket(self):
        active = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrowserError("chromium exited with status %d: %s" % (self.proc.returncode, self.log_tail()))
            try:
                with open(active) as f:
                    port = int(f.readline())
                with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise BrowserError("chromium did not open its DevTools port: %s" % self.log_tail())

    def log_tail(self, n=2000):
        try:
            with open(os.path.join(self.profile, "chromium.log"), "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    # ---- the protocol -------------------------------------------------------------

    def command(self, method, **params):
        self._next += 1
        ident = self._next
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError("%s: %s" % (method, message["error"]))
                return message.get("result", {})
            self._event(message)

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.errors.append("exception: %s %s" % (d.get("text", ""), d.get("exception", {}).get("description", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append("console.error: %s" % [a.get("value", a.get("description")) for a in params["args"]])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            text = "%s %s" % (entry.get("text"), entry.get("url", ""))
            (self.network_errors if entry.get("source") == "network" else self.errors).append(text)

    def evaluate(self, expression):
        """The value of a JavaScript expression (promises awaited)."""
        result = self.command("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            d = result["exceptionDetails"]
            raise BrowserError("%s: %s" % (expression[:80], d.get("exception", {}).get("description", d.get("text"))))
        return result["result"].get("value")

    def wait_for(self, expression, timeout=None):
        """Poll until the expression is truthy; its value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError("timed out waiting for %s" % expression)
            time.sleep(0.05)

    def navigate(self, url):
        """Load url and wait for its load event (the page may then change
        its own address)."""
        self.evaluate("window.__devtoolsOldPage = true")
        result = self.command("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError("cannot load %s: %s" % (url, result["errorText"]))
        self.wait_for("!window.__devtoolsOldPage && document.readyState === 'complete'")

    def set_viewport(self, width, height, mobile=False):
        self.command("Emulation.setDeviceMetricsOverride", width=width, height=height,
                     deviceScaleFactor=1, mobile=mobile)

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1})
        data = base64.b64decode(self.command("Page.captureScreenshot", **params)["data"])
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    # ---- closing --------------------------------------------------------------------

    def close(self):
        ws = getattr(self, "ws", None)
        if ws is not None:
            try:
                self.command("Browser.close")
            except (BrowserError, OSError):
                pass
            ws.close()
            self.ws = None
        if self.proc.poll() is None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
