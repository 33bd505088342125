"""A minimal client of Streamlit's own websocket protocol: the deployment's warm-up, load benchmarks, tests.

It does what a browser tab does, without rendering: fetch the page (keeping the proxy's cookies, so sticky
routing applies), open ``/_stcore/stream`` with the ``streamlit`` subprotocol, and ask for script runs with
``BackMsg.rerun_script`` (a page by its URL name, a query string, widget values). A run ends at the server's
``script_finished`` message; ``Run`` holds its wall time, the exceptions the page showed, the elements it sent
and the bytes on the wire. Loopback use only: it never follows redirects or talks to other hosts.
"""
from __future__ import annotations

import asyncio
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


@dataclass
class Run:
    """One script run as the client saw it."""

    page: str
    seconds: float
    status: int
    exceptions: list[str] = field(default_factory=list)
    elements: int = 0
    bytes: int = 0
    widgets: dict[str, object] = field(default_factory=dict)  # label -> widget proto (sliders, selects, ...)

    @property
    def ok(self) -> bool:
        return self.status in FINISHED and not self.exceptions


class StreamlitSession:
    """One browser-like session over Streamlit's websocket protocol.

    Args:
        base_url: ``http://127.0.0.1:PORT`` of a Streamlit server or of the proxy in front of replicas.
        timeout: seconds a script run may take before ``run`` raises ``TimeoutError``.
    """

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        host = urllib.parse.urlsplit(self.base_url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("StreamlitSession talks to loopback servers only")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.upstream = ""  # the replica that served the page, when a proxy says (X-Marquee-Upstream)
        self._ws = None

    async def __aenter__(self) -> "StreamlitSession":
        await asyncio.to_thread(self._fetch_page)
        ws_url = "ws" + self.base_url[len("http"):] + "/_stcore/stream"
        headers = {"Origin": self.base_url}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await websockets.connect(ws_url, subprotocols=["streamlit"], additional_headers=headers,
                                            max_size=None, open_timeout=30, ping_interval=None)
        return self

    async def __aexit__(self, *exc) -> None:
        if self._ws is not None:
            await self._ws.close()

    def _fetch_page(self) -> None:
        """GET the app's index page as a browser does first, keeping its cookies (the proxy's route)."""
        with urllib.request.urlopen(self.base_url + "/", timeout=30) as resp:
            resp.read()
            for header in resp.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                self.cookies.update({k: m.value for k, m in jar.items()})
            self.upstream = resp.headers.get("X-Marquee-Upstream", "")

    async def run(self, page: str = "", query: str = "", widgets: WidgetStates | None = None) -> Run:
        """Run a page (its URL name, "" for the home page) and wait for the server to finish it."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        msg.rerun_script.page_script_hash = ""
        if widgets is not None:
            msg.rerun_script.widget_states.CopyFrom(widgets)
        msg.rerun_script.context_info.timezone = "UTC"
        msg.rerun_script.context_info.locale = "en-US"
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        run = Run(page=page, seconds=0.0, status=-1)
        deadline = start + self.timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"page {page or 'home'} did not finish within {self.timeout:.0f} s")
            raw = await asyncio.wait_for(self._ws.recv(), timeout=remaining)
            run.bytes += len(raw)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                run.elements += 1
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
                elif which and hasattr(getattr(element, which), "id") and hasattr(getattr(element, which), "label"):
                    proto = getattr(element, which)
                    if proto.id:
                        run.widgets[proto.label] = proto
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the page asked for a rerun (st.rerun): the run goes on
                run.status = fwd.script_finished
                run.seconds = time.perf_counter() - start
                return run


def moved_state(proto, steps: int = 1) -> WidgetState | None:
    """A widget state that moves a slider or number input (``Run.widgets[label]``) ``steps`` steps up from its
    default, within its range; None for other widgets."""
    kind = type(proto).__name__
    state = WidgetState(id=proto.id)
    if kind == "Slider":
        current = list(proto.value) if proto.set_value and len(proto.value) else list(proto.default)
        state.double_array_value.data[:] = [min(current[0] + steps * (proto.step or 1), proto.max)]
    elif kind == "NumberInput":
        target = (proto.value if proto.set_value else proto.default) + steps * (proto.step or 1)
        target = min(target, proto.max) if proto.has_max else target
        if proto.data_type == proto.INT:
            state.int_value = int(target)
        else:
            state.double_value = float(target)
    else:
        return None
    return state


def page_names(root: Path | None = None) -> list[str]:
    """Every page's URL name as ``streamlit run app.py`` serves it, home ("") first, in nav order."""
    root = root or Path(__file__).resolve().parents[2]
    names = [""]
    for path in sorted((root / "pages").glob("*.py")):
        names.append(path.stem.split("_", 1)[1] if path.stem[0].isdigit() else path.stem)
    return names


def run_sync(coro):
    """Run a coroutine to its end from synchronous code, in a thread of its own (Playwright's sync API keeps an
    event loop on the calling thread, where ``asyncio.run`` refuses to start another)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def open_pages(base_url: str, pages: list[str], pause: float = 0.0) -> list[Run]:
    """One session that opens every page once, pausing ``pause`` seconds after each."""
    async with StreamlitSession(base_url) as session:
        runs = []
        for page in pages:
            runs.append(await session.run(page))
            if pause:
                await asyncio.sleep(pause)
        return runs
