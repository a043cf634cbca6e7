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
max_requests = 2000
max_requests_jitter = 200
# Kassa writes its own structured request log; gunicorn's access log would say it twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("KASSA_GUNICORN_LOG_LEVEL", "warning")
forwarded_allow_ips = os.environ.get("KASSA_FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True
