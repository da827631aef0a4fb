"""gunicorn settings for careercenter: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden by the environment variables named below.
"""

import multiprocessing
import os
import tempfile


def whole_number(name: str, default: int, *, least: int) -> int:
    """The environment variable `name` as a whole number of at least `least` (`default` when
    unset or empty); anything else stops gunicorn with one line naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < least:
        raise SystemExit(f"careercenter: {name} must be a whole number, at least {least}; it is {raw!r}")
    return int(raw)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Requests are short and mostly wait on PostgreSQL: a few sync workers per core.
workers = whole_number("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1, least=1)
threads = whole_number("GUNICORN_THREADS", 1, least=1)
timeout = whole_number("GUNICORN_TIMEOUT", 30, least=0)  # 0: no timeout (gunicorn's meaning)
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then: any slow leak stays bounded.
max_requests = whole_number("GUNICORN_MAX_REQUESTS", 2000, least=0)  # 0: never recycle
max_requests_jitter = max_requests // 10
# Load the app once, in the master, and fork each worker from it: a recycled worker serves within
# milliseconds. Importing the app again took seconds of CPU, during which the worker served nothing
# and, under load, the requests queued behind it waited (the 80-user bench's p99). New code needs
# a restart (`systemctl restart`), not a reload: HUP forks fresh workers from the loaded app.
preload_app = True
accesslog = None  # the app writes one JSON line per request itself (X-Request-ID included)
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 23+ opens a control socket at a fixed path in $HOME; the service does not use it, and
# two servers on one host would fight over it.
control_socket_disable = True

# Prometheus counters are per process; with several workers they are summed from files here.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="careercenter-metrics-"))


def child_exit(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def pre_fork(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Freeze what the master has loaded (the app, its modules, SQLAlchemy's mappers: about
    250,000 objects) out of the garbage collector's reach before each fork: a worker's full
    collection then walks only what the worker made, about 1 ms instead of 150-180 ms, a pause
    a request would wait behind; and it leaves the pages the workers share with the master
    alone (Python's advice for fork without exec, `gc.freeze`)."""
    import gc

    gc.freeze()


def post_fork(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Each worker opens its own database connections, never the master's (SQLAlchemy's advice)."""
    from careercenter.db import dispose_inherited_pools
    from wsgi import app

    dispose_inherited_pools(app)
