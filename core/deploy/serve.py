"""``python -m core serve --replicas N``: Marquee for a team on one machine.

One Streamlit process runs every session's script under one interpreter lock, so it uses one core. This starts
N replicas (``streamlit run app.py`` on loopback ports) behind nginx with sticky sessions (``core.deploy.proxy``),
and supervises them:

* every replica shares ``MARQUEE_CACHE_DIR``: persisted models and snapshots are built once under a file lock
  (``core.diskcache``) and read by the others; the embedded data cache is built once;
* every replica gets the same ``server.cookieSecret`` (kept in ``<cache>/deploy/cookie_secret``, mode 0600), so
  a browser moved to another replica after a failure keeps a valid XSRF cookie for uploads;
* each replica, once it answers, gets one warm-up visit of every page (``core.deploy.client``, in the
  background): persisted models are read into its memory or trained once, so users' first visits are warm;
* health checks (``/_stcore/health``) every second; a replica that exits or stops answering is replaced on the
  same port; nginx sends its users to the other replicas meanwhile and they reconnect (a new session);
* the run folder holds the nginx config, logs and ``serve.json`` (ports, pids, restarts) for scripts and tests.

Stop it with Ctrl-C or SIGTERM: the proxy and the replicas are stopped with it.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from core import config
from core.deploy import proxy

log = logging.getLogger("marquee.serve")
HEALTH_PATH = "/_stcore/health"
START_TIMEOUT = 180.0  # seconds a replica may take to answer its first health check (first build of the cache)
UNHEALTHY_CHECKS = 5  # consecutive failed checks of a running replica before it is replaced


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (bound with port 0, then released)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def healthy(port: int, timeout: float = 2.0) -> bool:
    """Whether the replica on ``port`` answers its health check."""
    return _answers(f"http://127.0.0.1:{port}{HEALTH_PATH}", timeout)


def cookie_secret() -> str:
    """The deployment's shared cookie secret: from the environment, else kept in the cache dir (0600)."""
    if os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET"):
        return os.environ["STREAMLIT_SERVER_COOKIE_SECRET"]
    path = config.cache_dir() / "deploy" / "cookie_secret"
    try:
        return path.read_text().strip() or _new_secret(path)
    except OSError:
        return _new_secret(path)


def _new_secret(path: Path) -> str:
    value = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
    except OSError:  # a read-only cache dir: the secret lives as long as this deployment
        pass
    return value


@dataclass
class Replica:
    """One ``streamlit run app.py`` child on a loopback port."""

    index: int
    port: int
    proc: subprocess.Popen | None = None
    started: float = 0.0
    restarts: int = 0
    failed_checks: int = 0
    ready: bool = False
    warm: bool = False
    exits: list = field(default_factory=list)

    def state(self) -> dict:
        return {"index": self.index, "port": self.port, "pid": self.proc.pid if self.proc else None,
                "restarts": self.restarts, "ready": self.ready, "warm": self.warm}


class Deployment:
    """N replicas behind one nginx, supervised until ``stop``.

    Args:
        replicas: how many Streamlit processes (one per core is the usual choice).
        host, port: where the proxy listens (port 0: a free one).
        run_dir: where the config, logs and ``serve.json`` go (default: a new temp folder).
        app: the Streamlit script.
    """

    def __init__(self, replicas: int, host: str = "0.0.0.0", port: int = 8501, run_dir: Path | None = None,
                 app: str = "app.py", max_upload_mb: int = 1024, warm_up: bool = True) -> None:
        if replicas < 1:
            raise ValueError("--replicas must be at least 1")
        self.host, self.port = host, port or free_port()
        self.run_dir = Path(run_dir) if run_dir else Path(tempfile.mkdtemp(prefix="marquee-serve-"))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.app, self.max_upload_mb, self.warm_up = app, max_upload_mb, warm_up
        self.replicas = [Replica(i, free_port()) for i in range(replicas)]
        self.nginx: subprocess.Popen | None = None
        self._stopping = False
        self._state_lock = threading.Lock()
        self._env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret(),
                     "MARQUEE_CACHE_DIR": str(config.cache_dir())}

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    # -- replicas --------------------------------------------------------------------------------------------
    def _start_replica(self, replica: Replica) -> None:
        out = open(self.run_dir / f"replica-{replica.index}.log", "ab")  # noqa: SIM115 - closed with the child
        cmd = [sys.executable, "-m", "streamlit", "run", self.app, "--server.port", str(replica.port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats",
               "false", "--server.maxUploadSize", str(self.max_upload_mb)]
        env = {**self._env, "MARQUEE_REPLICA": str(replica.index)}
        replica.proc = subprocess.Popen(cmd, cwd=config.ROOT, env=env, stdout=out, stderr=out,
                                        stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        replica.started, replica.failed_checks, replica.ready, replica.warm = time.monotonic(), 0, False, False

    def _replace(self, replica: Replica, why: str) -> None:
        log.warning("Replica %d (port %d) %s; starting a new one", replica.index, replica.port, why)
        replica.exits.append(why)
        _terminate(replica.proc)
        replica.restarts += 1
        self._start_replica(replica)
        self._write_state()

    def check(self) -> None:
        """One supervision pass: replace replicas that exited or stopped answering, restart a dead proxy."""
        if self._stopping:
            return
        for replica in self.replicas:
            code = replica.proc.poll() if replica.proc else 0
            if code is not None:
                self._replace(replica, f"exited with code {code}")
                continue
            if healthy(replica.port):
                if not replica.ready:
                    replica.ready = True
                    self._write_state()
                    if self.warm_up:
                        threading.Thread(target=self._warm, args=(replica, replica.proc.pid), daemon=True,
                                         name=f"warm-up-{replica.index}").start()
                replica.failed_checks = 0
                continue
            if not replica.ready and time.monotonic() - replica.started < START_TIMEOUT:
                continue  # still starting
            replica.failed_checks += 1
            if replica.failed_checks >= UNHEALTHY_CHECKS:
                self._replace(replica, f"failed {replica.failed_checks} health checks")
        if self.nginx is not None and self.nginx.poll() is not None:
            log.warning("The proxy exited with code %s; restarting it", self.nginx.returncode)
            self._start_proxy()

    def _warm(self, replica: Replica, pid: int) -> None:
        """Visit every page once on this replica (direct, not through the proxy); a failure is only logged."""
        from core.deploy import client

        start = time.monotonic()
        try:
            runs = client.run_sync(client.open_pages(f"http://127.0.0.1:{replica.port}", client.page_names()))
        except Exception as exc:  # a replica replaced meanwhile, a timeout: its users warm it instead
            log.warning("Warm-up of replica %d stopped: %s", replica.index, type(exc).__name__)
            return
        failed = [r.page or "Home" for r in runs if not r.ok]
        if failed:
            log.warning("Warm-up of replica %d: pages with an error: %s", replica.index, ", ".join(failed))
        if replica.proc is not None and replica.proc.pid == pid:
            replica.warm = not failed
            log.info("Replica %d warm in %.1f s", replica.index, time.monotonic() - start)
            self._write_state()

    # -- proxy -----------------------------------------------------------------------------------------------
    def _start_proxy(self) -> None:
        conf = proxy.write_config(self.run_dir, f"{self.host}:{self.port}", [r.port for r in self.replicas],
                                  self.max_upload_mb)
        self.nginx = proxy.start(self.run_dir, conf, _die_with_parent)
        self._write_state()

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self, wait: float = START_TIMEOUT) -> None:
        """Start the replicas, wait until each answers (or ``wait`` passes), then start the proxy."""
        proxy.nginx_binary()  # fail before starting anything when there is no proxy
        for replica in self.replicas:
            self._start_replica(replica)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not all(r.ready for r in self.replicas):
            self.check()
            time.sleep(0.3)
        self._start_proxy()
        for _ in range(50):
            if _answers(self.url + "/proxy-health"):
                break
            if self.nginx.poll() is not None:
                raise proxy.ProxyUnavailable(f"nginx exited at start; see {self.run_dir / 'error.log'}")
            time.sleep(0.1)
        self._write_state()

    def supervise(self, interval: float = 1.0) -> None:
        """Check the replicas every ``interval`` seconds until ``stop``."""
        while not self._stopping:
            self.check()
            time.sleep(interval)

    def stop(self) -> None:
        """Stop the proxy and every replica."""
        self._stopping = True
        if self.nginx is not None:
            _terminate(self.nginx, signal.SIGQUIT)
        for replica in self.replicas:
            _terminate(replica.proc)
        self._write_state()

    def state(self) -> dict:
        return {"url": self.url, "run_dir": str(self.run_dir), "cache_dir": self._env["MARQUEE_CACHE_DIR"],
                "proxy": {"pid": self.nginx.pid if self.nginx else None, "port": self.port},
                "replicas": [r.state() for r in self.replicas], "stopped": self._stopping}

    def _write_state(self) -> None:
        with self._state_lock:  # the supervisor and warm-up threads both report
            fd, tmp = tempfile.mkstemp(dir=self.run_dir, prefix=".serve-", suffix=".json")
            with os.fdopen(fd, "w") as fh:
                fh.write(json.dumps(self.state()))
            os.replace(tmp, self.run_dir / "serve.json")


def _libc_prctl():
    """libc's ``prctl``, resolved in the supervisor (Linux), or None elsewhere."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl()


def _die_with_parent() -> None:
    """In a child, before exec: ask Linux to send SIGTERM when the supervisor dies, even by SIGKILL (no orphans).
    Only a call of a function resolved before the fork runs here: no import, no lock another thread may hold."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _answers(url: str, timeout: float = 1.0) -> bool:
    """Whether ``url`` answers 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200
    except (OSError, ValueError):
        return False


def _terminate(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Stop a child (and, for a replica, its process group) and reap it."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 2,
                        help="Streamlit processes behind the proxy (default: one per core)")
    parser.add_argument("--host", default="0.0.0.0", help="address the proxy listens on (default 0.0.0.0)")
    parser.add_argument("--port", type=int, default=8501, help="proxy port (default 8501; 0 picks a free one)")
    parser.add_argument("--run-dir", type=Path, default=None, help="folder for config, logs and serve.json")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the warm-up visit of every page")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        deployment = Deployment(args.replicas, args.host, args.port, args.run_dir, warm_up=not args.no_warm_up)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: deployment.stop())
    try:
        deployment.start()
    except proxy.ProxyUnavailable as exc:
        deployment.stop()
        print(str(exc), file=sys.stderr)
        return 2
    except BaseException:
        deployment.stop()
        raise
    ready = sum(r.ready for r in deployment.replicas)
    print(f"Marquee is serving {deployment.url} with {ready} of {len(deployment.replicas)} replicas ready "
          f"(logs and serve.json in {deployment.run_dir})", flush=True)
    print(json.dumps(deployment.state()), flush=True)
    try:
        deployment.supervise()
    except KeyboardInterrupt:
        pass
    finally:
        deployment.stop()
    return 0
