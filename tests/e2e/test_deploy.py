"""The team deployment end to end: ``python -m core serve --replicas 2`` puts two Streamlit processes behind nginx.

Checked from outside, as users would meet it: pages run through the proxy over Streamlit's websocket protocol,
sessions spread over both replicas and each stays on its own, a real browser renders through the proxy, and a
killed replica is replaced while its users are served by the other one.
"""
from __future__ import annotations

import asyncio
import os
import signal
import time
import urllib.request

import pytest

from core.deploy import client as stclient
from tests.e2e import harness


@pytest.fixture(scope="module")
def deployment():
    with harness.running_deployment(replicas=2) as state:
        yield state


def _upstream(url: str, cookie: str = "") -> tuple[str, str]:
    """(replica address that answered, route cookie the proxy set) for one GET of the index page."""
    req = urllib.request.Request(url + "/", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()
        set_cookie = resp.headers.get("Set-Cookie", "")
        return resp.headers.get("X-Marquee-Upstream", ""), set_cookie.split(";")[0]


def test_sessions_spread_over_the_replicas_and_each_stays_on_its_own(deployment):
    url = deployment()["url"]
    ports = {str(r["port"]) for r in deployment()["replicas"]}
    seen = {}
    for _ in range(40):  # new browsers get random routes; 40 all on one replica has odds 2**-39
        upstream, cookie = _upstream(url)
        assert cookie.startswith("marquee_route=")
        seen[upstream.rsplit(":", 1)[-1]] = cookie
        if set(seen) == ports:
            break
    assert set(seen) == ports
    for port, cookie in seen.items():  # a returning browser (its cookie) always lands on the same replica
        assert {_upstream(url, cookie)[0].rsplit(":", 1)[-1] for _ in range(10)} == {port}


def test_every_replica_is_warmed_up_after_start(deployment):
    """One visit of every page per replica, in the background, so users' first visits find models in memory."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not all(r["warm"] for r in deployment()["replicas"]):
        time.sleep(0.5)
    assert all(r["warm"] for r in deployment()["replicas"]), deployment()["replicas"]


def test_pages_run_through_the_proxy_over_the_websocket_protocol(deployment):
    url = deployment()["url"]
    pages = ["", "Content_Universe", "Head_to_Head", "Usage"]

    async def two_users():
        return await asyncio.gather(*(stclient.open_pages(url, pages) for _ in range(2)))

    for runs in stclient.run_sync(two_users()):
        assert [r.page for r in runs] == pages
        assert all(r.ok for r in runs), [(r.page, r.status, r.exceptions) for r in runs]
        assert all(r.elements > 5 for r in runs)


def test_a_browser_renders_the_app_through_the_proxy(deployment, browser):
    with harness.new_page(browser) as page:
        page.goto(deployment()["url"] + "/Content_Universe")
        harness.wait_rendered(page, "/Content_Universe", timeout=120)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stPlotlyChart"]').count() > 0
        assert harness.console_errors(page.console_log) == []


def test_a_killed_replica_is_replaced_and_its_users_are_served_meanwhile(deployment):
    state = deployment()
    url, victim = state["url"], state["replicas"][0]
    cookie = ""
    for _ in range(40):  # a browser whose route points at the replica about to die
        upstream, cookie = _upstream(url)
        if upstream.endswith(f":{victim['port']}"):
            break
    os.kill(victim["pid"], signal.SIGKILL)
    time.sleep(0.5)
    upstream, _ = _upstream(url, cookie)  # its user still gets the app, from the other replica
    assert upstream and not upstream.endswith(f":{victim['port']}")
    assert stclient.run_sync(stclient.open_pages(url, [""]))[0].ok
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = deployment()["replicas"][0]
        if now["restarts"] == 1 and now["ready"]:
            break
        time.sleep(0.5)
    assert now["restarts"] == 1 and now["ready"] and now["pid"] != victim["pid"], now
    assert harness.wait_healthy(f"http://127.0.0.1:{victim['port']}", 10) >= 0
    for _ in range(10):  # the route comes back to the new replica on the same port
        if _upstream(url, cookie)[0].endswith(f":{victim['port']}"):
            break
        time.sleep(1)
    assert _upstream(url, cookie)[0].endswith(f":{victim['port']}")


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_killed_supervisor_leaves_no_replica_or_proxy_behind(tmp_path):
    """SIGKILL gives the supervisor no chance to stop its children: Linux's parent-death signal does."""
    import json
    import subprocess
    import sys

    run_dir = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "core", "serve", "--replicas", "2", "--host", "127.0.0.1",
                             "--port", "0", "--run-dir", str(run_dir), "--no-warm-up"], cwd=harness.ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                state = json.loads((run_dir / "serve.json").read_text())
                if state["proxy"]["pid"] and all(r["ready"] for r in state["replicas"]):
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        children = [state["proxy"]["pid"], *(r["pid"] for r in state["replicas"])]
        assert all(_alive(pid) for pid in children)
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in children)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
