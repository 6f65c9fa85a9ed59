"""Start and stop nginx for a benchmark: docs/deploy.md's proxy and cache, on plain HTTP.

As there, nginx opens a connection to gunicorn per request (no upstream keep-alive):
each request goes to whichever gunicorn worker accepts it first, a free one.
"""

import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from server import refuse_taken_port, wait_until_up

CONFIG = """
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    # As in docs/deploy.md: nginx keeps what Django marks public, and answers the crowd.
    proxy_cache_path {prefix}/cache keys_zone=public_pages:10m max_size=100m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_set_header Host $host;
            proxy_cache public_pages;
            proxy_cache_lock on;
            proxy_cache_use_stale updating;
            proxy_cache_bypass $cookie_sessionid;
            proxy_no_cache $cookie_sessionid;
        }}
    }}
}}
"""


@contextmanager
def nginx(upstream: str, port: int):
    """nginx on 127.0.0.1:port in front of `upstream` (host:port) until the block ends."""
    if not shutil.which("nginx"):
        raise SystemExit("nginx is not installed: apt-get install -y nginx")
    refuse_taken_port(port)
    prefix = Path(tempfile.mkdtemp(prefix="servicedesk-bench-nginx-"))
    prefix.chmod(0o755)  # nginx's workers (not root) keep their temp and cache files here
    conf = prefix / "nginx.conf"
    conf.write_text(CONFIG.format(prefix=prefix, upstream=upstream, port=port))
    process = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )
    try:
        yield wait_until_up(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(prefix, ignore_errors=True)
