#!/usr/bin/python3
"""A flaky SMS provider for the HTTP gateway's test (issue 14 item 4): an HTTPS server (Python's
http.server and ssl, nobody here wrote them) that answers its requests, in turn, with a 500, by
accepting the message and then hanging past the client's timeout (the reply is lost), by hanging
without accepting, by closing the connection without an answer, and with success. It delivers a
message at most once per Idempotency-Key, as the providers' APIs that take one do, and logs each
request's fate as a JSON line: delivered, duplicate, 500, accept_then_hang, hang, close,
unauthorized.

usage: flaky_sms_server.py CERT KEY PORT_FILE LOG TOKEN HANG_SECONDS
"""
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CERT, KEY, PORT_FILE, LOG, TOKEN, HANG = sys.argv[1:7]
HANG = float(HANG)
PATTERN = ["500", "accept_then_hang", "ok", "hang", "close", "ok", "500", "ok"]
lock = threading.Lock()
state = {"n": 0, "delivered": set()}


def log(event, key):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps({"event": event, "id": key}) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def deliver(self, key, message):
        """Records the message once per key; True if it was new."""
        with lock:
            if key in state["delivered"]:
                log("duplicate", key)
                return False
            state["delivered"].add(key)
        log("delivered", key)
        return True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        message = json.loads(self.rfile.read(length))
        key = self.headers.get("Idempotency-Key", "")
        if self.headers.get("X-Token") != TOKEN or key != message.get("id"):
            log("unauthorized", key)
            self.answer(401, {"error": "bad token"})
            return
        with lock:
            fate = PATTERN[state["n"] % len(PATTERN)]
            state["n"] += 1
        if fate == "500":
            log("500", key)
            self.answer(500, {"error": "internal"})
        elif fate == "accept_then_hang":
            self.deliver(key, message)
            log("accept_then_hang", key)
            time.sleep(HANG)
            self.close_connection = True
        elif fate == "hang":
            log("hang", key)
            time.sleep(HANG)
            self.close_connection = True
        elif fate == "close":
            log("close", key)
            self.close_connection = True
        else:
            self.deliver(key, message)
            self.answer(200, {"status": "queued", "id": key})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
# the rename makes the port file appear whole
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
