"""gunicorn for every web machine: the same file everywhere, tuned by the environment.

Videos never pass through these workers with object storage (the browser sends them to the bucket), so
a worker is busy for milliseconds per request and a few per CPU suffice.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A request that takes longer is a bug: the worker is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM (a deploy, a scale-down) requests in flight get this long to finish before the worker exits.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Restart each worker now and then, staggered, so that a slow leak never takes a machine down.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
