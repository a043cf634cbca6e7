"""gunicorn defaults for Kassa: ``gunicorn wsgi:app`` serves production.

Each value can be overridden on the command line or by the KASSA_* variable next to it.
"""

import multiprocessing
import os

bind = os.environ.get("KASSA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KASSA_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("KASSA_WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycling workers guards against memory leaks, and Kassa has none known. It is not free: a worker
# leaving after max_requests leaves its slot empty until the arbiter's next round (up to a
# second), and its successor starts with cold caches. At 2000 that halved throughput under
# load (`make bench`); so off by default, on by setting a count.
max_requests = int(os.environ.get("KASSA_WEB_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Kassa writes its own structured request log; gunicorn's access log would say it twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("KASSA_GUNICORN_LOG_LEVEL", "warning")
forwarded_allow_ips = os.environ.get("KASSA_FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True
