"""The layout rules of README's Layout section, checked on the code: Streamlit only in views, caches and
``core.ui``; ``st.cache_*`` only in ``cache.py``; ``models`` standalone; no import cycles; size limits."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for folder in ("core", "models") for p in (ROOT / folder).rglob("*.py"))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module name an ``import`` or ``from ... import`` of this file names, at any depth."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def may_use_streamlit(path: Path) -> bool:
    """Whether a module may import Streamlit itself: a view, a cache, or core/ui; and the deployment's protocol
    client, which speaks Streamlit's wire format (its protobuf messages) and draws nothing."""
    rel = path.relative_to(ROOT)
    return rel.parts[:2] == ("core", "ui") or path.name in ("view.py", "cache.py") or rel.as_posix() == \
        "core/deploy/client.py"


def may_load_streamlit(path: Path) -> bool:
    """Whether importing a module may load Streamlit through another one: also core/api, which serves the
    features' cache functions (st.cache_data, run without a server) and imports Streamlit nowhere itself."""
    return may_use_streamlit(path) or path.relative_to(ROOT).parts[:2] == ("core", "api")


def test_streamlit_is_imported_only_by_views_caches_and_ui():
    bad = [str(p.relative_to(ROOT)) for p in SOURCES
           if any(m == "streamlit" or m.startswith("streamlit.") for m in _imports(p)) and not may_use_streamlit(p)]
    assert not bad, bad


def test_the_streamlit_rule_check_can_fail(tmp_path):
    assert may_use_streamlit(ROOT / "core" / "churn" / "view.py")
    assert not may_use_streamlit(ROOT / "core" / "churn" / "insights.py")
    assert not may_use_streamlit(ROOT / "core" / "decide" / "copilot_view.py")  # one view.py per package
    assert not may_use_streamlit(ROOT / "core" / "api" / "auth.py") and may_load_streamlit(ROOT / "core" / "api" /
                                                                                            "auth.py")
    assert "streamlit" in _imports(_write(tmp_path, "x.py", "def f():\n    import streamlit as st\n"))


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_pure_modules_stay_free_of_streamlit_when_imported():
    """Importing every module that may not use Streamlit does not load it, not even through another module."""
    names = [_module(p) for p in SOURCES if not may_load_streamlit(p)]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit')[:3])\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_caching_decorators_live_only_in_cache_modules():
    bad = [str(p.relative_to(ROOT)) for p in SOURCES + sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
           if p.name != "cache.py" and ("st.cache_data" in p.read_text() or "st.cache_resource" in p.read_text())]
    assert not bad, bad


def test_models_import_nothing_from_core():
    bad = [str(p.relative_to(ROOT)) for p in (ROOT / "models").rglob("*.py")
           if any(m == "core" or m.startswith("core.") for m in _imports(p))]
    assert not bad, bad


def _graph() -> dict[str, set[str]]:
    known = {_module(p): p for p in SOURCES}
    return {name: {m for m in _imports(path) if m in known and m != name} for name, path in known.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state, stack = {}, []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycles():
    assert _cycle(_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_and_function_sizes(path):
    lines = path.read_text().splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{len(lines)} lines"
    long = [f"{node.name}: {node.end_lineno - node.lineno + 1}" for node in ast.walk(ast.parse("\n".join(lines)))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES and not _is_figure(node)]
    assert not long, long


def _is_figure(node: ast.FunctionDef) -> bool:
    """A Plotly figure definition may run long (the issue's one exception)."""
    return isinstance(node.returns, ast.Attribute) and node.returns.attr == "Figure" or \
        isinstance(node.returns, ast.Constant) and str(node.returns.value).endswith("Figure")


def test_pages_are_thin_and_numbered_in_nav_order():
    from core.ui.nav import PAGES

    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    assert files == [p.path for p in PAGES[1:]]  # sorted file order is the nav order
    for path in (ROOT / "pages").glob("*.py"):
        code = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith(("#", " "))]
        assert len(path.read_text().splitlines()) <= 12, path.name
        assert not any(line.startswith("import streamlit") for line in code), path.name
