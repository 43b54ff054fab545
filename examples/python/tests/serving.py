"""The service on a loopback port in a thread of the test process."""

import threading

import service


def start(model, path=None):
    """(server, base URL): `model` served on a free port until stop(server);
    `path` is the file POST /reload reads."""
    server = service.make_server(model, "127.0.0.1", 0, path=path)
    server.thread = threading.Thread(target=server.serve_forever, daemon=True)
    server.thread.start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


def stop(server):
    server.shutdown()
    server.server_close()
    server.thread.join(10)
