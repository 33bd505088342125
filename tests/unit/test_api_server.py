"""The JSON API as a process: ``python -m core api`` on a free loopback port, called over HTTP, stopped by PID;
and its refusal to listen beyond 127.0.0.1 without a token."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.api.auth import bind_problem
from tests.e2e.harness import free_port

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "MARQUEE_API_TOKEN"}
    return {**env, **extra}


def _call(url: str, token: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            if _call(f"{url}/api/v1/health") == (200, {"status": "ok", "api": "v1"}):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"API at {url} not healthy after {timeout} s")


def test_the_server_answers_over_http_and_stops_by_pid():
    token, port = f"srv-{secrets.token_hex(12)}", free_port()
    proc = subprocess.Popen([sys.executable, "-m", "core", "api", "--port", str(port)], cwd=ROOT,
                            env=_env(MARQUEE_API_TOKEN=token), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        status, body = _call(f"{url}/api/v1/titles?q=godfather&limit=2", token)
        assert status == 200 and len(body["items"]) == 2 and body["filters"]["source"] == "embedded"
        assert _call(f"{url}/api/v1/titles?q=godfather", "wrong") == (401, {"detail": "Missing or wrong bearer "
                                                                                         "token."})
        status, body = _call(f"{url}/api/v1/genres?years=abc", token)
        assert status == 422 and body["errors"][0]["field"] == "years"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM, err  # uvicorn ends by the signal it stopped on, after shutting down
    assert "Application startup complete" in err and "Finished server process" in err
    assert "GET /api/v1/titles" in out and token not in out + err  # requests are logged, the token is not


def test_without_a_token_the_server_refuses_any_host_but_loopback():
    out = subprocess.run([sys.executable, "-m", "core", "api", "--host", "0.0.0.0", "--port", str(free_port())],
                         cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Refusing to listen on 0.0.0.0 without a token")


def test_the_bind_rule():
    assert bind_problem("127.0.0.1", "") == ""
    assert bind_problem("0.0.0.0", "a-token") == ""
    assert "MARQUEE_API_TOKEN" in bind_problem("0.0.0.0", "") and "MARQUEE_API_TOKEN" in bind_problem("::", "")
