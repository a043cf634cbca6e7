"""The demo server behind `make run`: Kassa on one local port, with its URLs printed."""

from __future__ import annotations

import logging
import os

from werkzeug.serving import run_simple

from app import create_app

HOST = os.environ.get("KASSA_DEMO_HOST", "127.0.0.1")
PORT = int(os.environ.get("KASSA_DEMO_PORT", "5000"))


def main() -> None:
    base = f"http://{HOST}:{PORT}"
    os.environ.setdefault("KASSA_PUBLIC_URL", base)
    os.environ.setdefault("KASSA_LOG_FORMAT", "text")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # Kassa logs each request itself
    kassa = create_app()
    print(
        f"\nKassa demo\n"
        f"  Merchant panel:  {base}/panel/   (log in as demo@kassa.test, password above)\n"
        f"  Sign up:         {base}/signup\n"
        f"  Health:          {base}/healthz\n"
        f"Emails are written to this log (no SMTP configured). Ctrl+C stops.\n",
        flush=True,
    )
    run_simple(HOST, PORT, kassa, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
