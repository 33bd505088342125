"""The team deployment's parts: the generated nginx config, the shared cookie secret, clear refusals."""
from __future__ import annotations

import stat

import pytest

from core import config
from core.deploy import proxy, serve


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("STREAMLIT_SERVER_COOKIE_SECRET", raising=False)
    return tmp_path / "cache"


def test_config_routes_to_every_replica_and_keeps_nginx_variables(tmp_path):
    text = proxy.render(tmp_path, "127.0.0.1:8600", [8611, 8612, 8613], max_upload_mb=300)
    for port in (8611, 8612, 8613):
        assert f"server 127.0.0.1:{port} max_fails=1" in text
    assert "listen 127.0.0.1:8600;" in text and "client_max_body_size 300m;" in text
    assert "hash $marquee_route consistent;" in text and "$cookie_marquee_route" in text
    assert f"pid {tmp_path}/nginx.pid;" in text
    assert "${" not in text.replace("${...}", "")  # every placeholder filled


def test_generated_config_passes_nginx_own_check(tmp_path):
    """CI installs nginx (scripts/test.sh); ``nginx -t`` on the rendered config must pass."""
    conf = proxy.write_config(tmp_path / "run", f"127.0.0.1:{serve.free_port()}", [8611, 8612])
    assert conf.exists() and all((tmp_path / "run" / d).is_dir() for d in proxy.TEMP_DIRS)


def test_serve_without_nginx_says_how_to_get_it_and_starts_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(proxy.shutil, "which", lambda name: None)
    monkeypatch.setattr(proxy, "FALLBACKS", ())
    run_dir = tmp_path / "run"
    assert serve.main(["--replicas", "2", "--port", "0", "--host", "127.0.0.1", "--run-dir", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "nginx is not installed" in err and "apt-get install nginx-light" in err
    assert "Traceback" not in err
    assert not list(run_dir.glob("replica-*.log"))


def test_zero_replicas_is_refused_in_one_sentence(capsys):
    assert serve.main(["--replicas", "0", "--port", "0"]) == 2
    assert capsys.readouterr().err.strip() == "--replicas must be at least 1"


def test_cookie_secret_is_shared_kept_private_and_overridable(cache_dir, monkeypatch):
    first = serve.cookie_secret()
    path = config.cache_dir() / "deploy" / "cookie_secret"
    assert len(first) == 64 and serve.cookie_secret() == first  # every replica and restart: the same secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv("STREAMLIT_SERVER_COOKIE_SECRET", "from-the-platform")
    assert serve.cookie_secret() == "from-the-platform"


def test_a_config_nginx_rejects_is_reported_in_one_sentence(tmp_path):
    with pytest.raises(proxy.ProxyUnavailable, match=r"nginx rejected the generated config .*\[emerg\]"):
        proxy.write_config(tmp_path / "run", "127.0.0.1:0", [8611])  # port 0: nginx refuses it


def test_page_names_are_the_urls_streamlit_serves():
    from core.deploy import client

    names = client.page_names()
    assert names[0] == "" and "Investment_Copilot" in names and "Usage" in names
    assert len(names) == 1 + len(list((config.ROOT / "pages").glob("*.py")))


def test_the_protocol_client_talks_to_loopback_only():
    from core.deploy import client

    with pytest.raises(ValueError, match="loopback"):
        client.StreamlitSession("http://example.com:8501")
