"""gunicorn defaults for Kassa: ``gunicorn wsgi:app`` serves production.

Each value can be overridden on the command line or by the KASSA_* variable next to it.

Connections are spread across workers by ``worker_connections``: a gthread worker accepts a
connection only while it holds fewer than that many, so a worker with its share leaves the next
ones to the others. Without it, whichever worker wakes first takes every keep-alive connection
that arrives at once. Measured with wrk's 16 connections against 2 workers (``ss`` counting
each worker's connections 2 s into six runs): the default gave 16/0 in three runs and 14/2,
13/3 and 12/4 in the others, so one core idled while the other queued every request (issue 20
measured hello-world at 735 requests/s split 16/0 and 2,695 split 8/8); two connections per
thread gave 8/8 in all six runs, and 8/8 or 7/6 with this file. ``reuse_port`` cannot do it
(gunicorn's workers share the one listening socket the arbiter made), and more workers per
core only make a full pile-up rarer. Two connections per thread keep a thread busy while its
other connection sits idle between requests; a proxy keeping more upstream connections open
than workers x ``worker_connections`` should be limited to that (nginx ``keepalive``), or this
raised (KASSA_WEB_WORKER_CONNECTIONS).
"""

import multiprocessing
import os

bind = os.environ.get("KASSA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KASSA_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("KASSA_WEB_THREADS", "4"))
# Connections one worker holds at most: the rest go to the other workers (see above).
worker_connections = int(os.environ.get("KASSA_WEB_WORKER_CONNECTIONS", threads * 2))
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
