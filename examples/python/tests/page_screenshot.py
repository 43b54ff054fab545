#!/usr/bin/env python3
"""A PNG of the service's page, taken by headless Chromium.

    python3 tests/page_screenshot.py --model model.gnr --out page.png [--query "user=1&k=8"]

Serves the model on a loopback port, opens /?QUERY at the given window
width, waits for the lists and the map, and saves the whole page.  The
picture in docs/ was made this way from a model of `gnnrec synth` data.
"""

import argparse
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import devtools  # noqa: E402
import service  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a model file saved by gnnrec")
    ap.add_argument("--out", required=True, help="the PNG to write")
    ap.add_argument("--query", default="", help="the page's settings, as in its address (user=1&genres=Drama)")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=900, help="the window's height (the whole page is saved)")
    args = ap.parse_args(argv)
    if service.gnnrec is None:
        sys.exit("page_screenshot: %s" % service._import_error)
    if devtools.find_chromium() is None:
        sys.exit("page_screenshot: no Chromium found (apt-get install chromium, or set GNNREC_CHROMIUM)")
    with service.gnnrec.Model.load(args.model) as model, service.make_server(model) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with devtools.Browser(width=args.width, height=args.height) as browser:
                browser.set_viewport(args.width, args.height)
                browser.navigate("http://127.0.0.1:%d/?%s" % (server.server_address[1], args.query))
                browser.wait_for("document.body.dataset.state !== 'loading' && document.body.dataset.map")
                state = browser.evaluate("document.body.dataset.state")
                browser.screenshot(args.out)
                if browser.errors:
                    sys.exit("page_screenshot: errors in the page: %s" % browser.errors)
        finally:
            server.shutdown()
            thread.join(10)
    print("%s: the page in state '%s', %d bytes" % (args.out, state, os.path.getsize(args.out)))


if __name__ == "__main__":
    main()
