"""``python -m stripe_sandbox serve --host 127.0.0.1 --port 12111``"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from werkzeug.serving import run_simple

from .app import create_app


def _delays(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_sandbox", description="A local Stripe API sandbox."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API and the Stripe.js stand-in")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=12111)
    serve.add_argument(
        "--debit-settle-seconds",
        type=float,
        default=10.0,
        help="seconds before bank debits leave processing (default 10)",
    )
    serve.add_argument("--state", help="JSON file to keep state in (default: memory only)")
    serve.add_argument("--seed", help="JSON file of accounts and data to load at start")
    serve.add_argument("--public-url", help="absolute base URL for URLs the sandbox hands out")
    serve.add_argument(
        "--webhook-retry-delays",
        type=_delays,
        default=(1.0, 2.0, 4.0, 8.0, 16.0),
        help="comma-separated seconds between webhook retries (default 1,2,4,8,16)",
    )
    serve.add_argument(
        "--allow-private-webhook-urls",
        action="store_true",
        help="accept webhook endpoints on loopback and private addresses (Stripe refuses them)",
    )
    args = parser.parse_args(argv)
    app = create_app(
        debit_settle_seconds=args.debit_settle_seconds,
        state_file=args.state,
        seed_file=args.seed,
        public_url=args.public_url,
        webhook_retry_delays=args.webhook_retry_delays,
        allow_private_webhook_urls=args.allow_private_webhook_urls,
    )
    print(
        f"Stripe sandbox on http://{args.host}:{args.port}/v1 (Stripe.js at /js/v3/)",
        file=sys.stderr,
    )
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
