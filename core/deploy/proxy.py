"""The reverse proxy in front of the replicas: nginx with sticky sessions, rendered from ``deploy/nginx.conf.template``.

nginx comes from the OS (Debian: ``apt-get install nginx-light``). The config is written into the deployment's run
folder with everything nginx writes (pid, error log, temp files) kept there, so it runs unprivileged.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from core import config

TEMPLATE = config.ROOT / "deploy" / "nginx.conf.template"
FALLBACKS = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")  # not on a non-root user's PATH on Debian
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class ProxyUnavailable(RuntimeError):
    """nginx is not installed, or it rejected the config (the message says which, in one sentence)."""


def nginx_binary() -> str:
    """Path of the nginx executable; ``ProxyUnavailable`` when there is none."""
    found = shutil.which("nginx") or next((p for p in FALLBACKS if Path(p).exists()), None)
    if not found:
        raise ProxyUnavailable("nginx is not installed: run `apt-get install nginx-light` (Debian/Ubuntu) or "
                               "`brew install nginx`, or start a single replica with `streamlit run app.py`.")
    return found


def render(run_dir: Path, listen: str, upstreams: list[int], max_upload_mb: int = 1024) -> str:
    """The nginx config for replicas on ``upstreams`` (loopback ports), listening on ``listen`` (host:port)."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=3s;" for port in upstreams)
    values = {"run": str(run_dir), "listen": listen, "servers": servers, "max_upload_mb": str(int(max_upload_mb))}
    # ${name} placeholders only: nginx's own $variables stay as they are
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], TEMPLATE.read_text())


def write_config(run_dir: Path, listen: str, upstreams: list[int], max_upload_mb: int = 1024) -> Path:
    """Render the config into ``run_dir/nginx.conf`` (with nginx's temp folders) and check it with ``nginx -t``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in TEMP_DIRS:
        (run_dir / name).mkdir(exist_ok=True)
    path = run_dir / "nginx.conf"
    path.write_text(render(run_dir, listen, upstreams, max_upload_mb))
    check = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(run_dir), "-e", str(run_dir / "error.log"),
                            "-c", str(path)],
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        lines = check.stderr.strip().splitlines() or ["no message"]
        first = next((line for line in lines if "[emerg]" in line or "[error]" in line), lines[-1])
        raise ProxyUnavailable(f"nginx rejected the generated config {path}: {first}")
    return path


def start(run_dir: Path, conf: Path, preexec_fn=None) -> subprocess.Popen:
    """Start nginx in the foreground of a child process (``daemon off`` is in the config); ``preexec_fn`` runs in
    the child before exec (the supervisor's die-with-parent request)."""
    log = open(run_dir / "nginx.out", "ab")  # noqa: SIM115 - handed to the child, closed with it
    cmd = [nginx_binary(), "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf)]
    return subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL, preexec_fn=preexec_fn)
