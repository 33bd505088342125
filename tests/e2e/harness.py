"""Start Marquee with `streamlit run` on a free loopback port and drive it in headless Chromium.

Shared by the browser tests and the page benchmarks (bench/bench_pages.py). See ../shared/BROWSER.md.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Every page file, home first, as ``streamlit run app.py`` serves them.
PAGES = ["app.py", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))]
#: Console noise that Streamlit itself makes offline (see BROWSER.md), matched on the text and the URL a
#: console message comes from (see ``console_text``); anything else is a failure, a 404 of an asset included.
KNOWN_NOISE = ("/_stcore/health", "/host-config")


def console_text(msg) -> str:
    """A console message with the URL it refers to (a failed resource's own URL), so noise is matched by URL."""
    url = (msg.location or {}).get("url", "") if hasattr(msg, "location") else ""
    return f"{msg.text} @ {url}" if url else msg.text


def free_port() -> int:
    """A port nothing listens on right now (bind port 0 and read it back)."""
    from core.deploy.serve import free_port as free

    return free()


def wait_healthy(url: str, timeout: float = 60) -> float:
    """Poll /_stcore/health until it answers ok; return the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"app at {url} not healthy after {timeout} s")


def stop_group(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM a child started with ``start_new_session`` and its group; SIGKILL after ``timeout`` seconds."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def running_server(env: dict | None = None, health_timeout: float = 60):
    """Run ``streamlit run app.py`` on 127.0.0.1:<free port>; yield (url, start_time, pid); stop it by PID."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, health_timeout)
        yield url, started, proc.pid
    finally:
        stop_group(proc, 10)


@contextmanager
def running_deployment(replicas: int = 2, env: dict | None = None, timeout: float = 180):
    """Run ``python -m core serve --replicas N`` (nginx in front) on a free loopback port; yield a function that
    reads its current ``serve.json`` (url, proxy and replica ports, pids, restarts); stop it by PID."""
    import json
    import tempfile

    run_dir = Path(tempfile.mkdtemp(prefix="marquee-serve-test-"))
    cmd = [sys.executable, "-m", "core", "serve", "--replicas", str(replicas), "--host", "127.0.0.1",
           "--port", "0", "--run-dir", str(run_dir)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)

    def state() -> dict:
        return json.loads((run_dir / "serve.json").read_text())

    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"core serve exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
            try:
                current = state()
                if current["proxy"]["pid"] and all(r["ready"] for r in current["replicas"]):
                    wait_healthy(current["url"], 30)
                    break
            except (OSError, ValueError, KeyError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"core serve not ready after {timeout} s")
            time.sleep(0.2)
        yield state
    finally:
        stop_group(proc, 30)
        shutil.rmtree(run_dir, ignore_errors=True)


@contextmanager
def running_app(env: dict | None = None):
    """``running_server`` yielding (url, start_time)."""
    with running_server(env) as (url, started, _):
        yield url, started


def chromium_path() -> str:
    """The system Chromium; raises (so tests fail, not skip) when it is missing."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("chromium is not installed: run .ci/run (apt-get install chromium)")
    return path


@contextmanager
def chromium():
    """Headless system Chromium under Playwright; closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser, width: int = 1400, height: int = 900):
    """A page in a fresh browser context; its console errors and page errors collect in ``page.console_log``."""
    ctx = browser.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    page.console_log = []
    page.on("console", lambda m: page.console_log.append(console_text(m)) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_log.append(f"pageerror: {e}"))
    page.hosts = set()  # every host the page asked for anything (the app's own, or a leak)
    page.on("request", lambda r: page.hosts.add(urlsplit(r.url).netloc) if urlsplit(r.url).netloc else None)
    try:
        yield page
    finally:
        ctx.close()


RENDERED_JS = """(path) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (path !== null && location.pathname !== path) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!c.querySelector('.main-svg')) return false;
  }
  return true;
}"""


#: True once the metric whose label contains ``label`` shows a value other than ``old``.
METRIC_CHANGED_JS = """([label, old]) => {
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    if (!m.innerText.includes(label)) continue;
    const v = m.querySelector('[data-testid="stMetricValue"]');
    if (v && v.innerText !== old) return true;
  }
  return false;
}"""


def wait_rendered(page, path: str | None = None, timeout: float = 60, quiet_ms: int = 300) -> float:
    """Wait until the page is rendered (BROWSER.md rules) and the DOM has been still for ``quiet_ms``."""
    start = time.perf_counter()
    page.wait_for_function(RENDERED_JS, arg=path, timeout=timeout * 1000, polling=50)
    page.evaluate("""(ms) => new Promise(resolve => {
        let t = setTimeout(done, ms);
        const obs = new MutationObserver(() => { clearTimeout(t); t = setTimeout(done, ms); });
        function done() { obs.disconnect(); resolve(); }
        obs.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    })""", quiet_ms)
    page.wait_for_function(RENDERED_JS, arg=path, timeout=timeout * 1000, polling=50)
    return time.perf_counter() - start


def page_path(page_file: str) -> str:
    """URL path Streamlit serves a page file at (pages/04_Investment_Copilot.py -> /Investment_Copilot)."""
    if page_file == "app.py":
        return "/"
    stem = Path(page_file).stem
    return "/" + stem.split("_", 1)[1] if stem[0].isdigit() else "/" + stem


def console_errors(messages: list) -> list[str]:
    """Console errors that are not known offline noise."""
    return [m for m in messages if not any(n in m for n in KNOWN_NOISE)]


def full_screenshot(page, path: Path) -> None:
    """Enlarge the viewport to the content height (Streamlit's body does not scroll), then capture."""
    height = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]') || document.body;
        return Math.max(main.scrollHeight, document.body.scrollHeight, 900);
    }""")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 50, 12000)})
    page.wait_for_timeout(300)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})
