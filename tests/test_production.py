"""Production: the documented environment passes `check --deploy`, and `touchpoint serve`
starts gunicorn, which serves pages and WhiteNoise's static files."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from touchpoint.lib.env import env_header

ROOT = Path(__file__).resolve().parent.parent


def documented_environment() -> dict[str, str]:
    """The `/etc/touchpoint/env` block of the README's "Running in production", with a real
    secret key in place of the placeholder."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n# /etc/touchpoint/env\n(.*?)```", readme, re.DOTALL)
    assert block, "README: the /etc/touchpoint/env block is missing"
    env = {}
    for line in block.group(1).splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    assert env["SECRET_KEY"] == "paste-the-generated-key-here"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def touchpoint(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    """`touchpoint ARGS` in a child process with exactly this environment (plus PATH)."""
    return subprocess.Popen(
        [sys.executable, "-m", "touchpoint", *args],
        env={"PATH": os.environ["PATH"], **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def check_deploy(env: dict[str, str]) -> tuple[int, str]:
    child = touchpoint("check", "--deploy", "--fail-level", "WARNING", env=env)
    out, _ = child.communicate(timeout=120)
    return child.returncode, out


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    env = {**documented_environment(), "TOUCHPOINT_DATA_DIR": str(tmp_path)}
    code, out = check_deploy(env)
    assert code == 0, out
    assert "System check identified no issues" in out

    # Without the HTTPS settings the same check fails, naming them.
    plain = {k: v for k, v in env.items() if not k.startswith("SECURE_")}
    code, out = check_deploy(plain)
    assert code != 0
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= set(
        re.findall(r"security\.W\d+", out)
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_gunicorn_which_answers_pages_and_static_files(tmp_path):
    port = free_port()
    env = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'touchpoint.sqlite3'}",
        "TOUCHPOINT_DATA_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = touchpoint("serve", "--port", str(port), "--workers", "2", env=env)
    try:
        lines = []
        for line in server.stdout:  # until gunicorn listens (it exits on failure: EOF)
            lines.append(line)
            if "Listening at" in line:
                break
        assert f"Listening at: http://127.0.0.1:{port}" in "".join(lines), "".join(lines)

        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=60)
        assert page.status == 200
        assert page.headers["Server"] == "gunicorn"
        assert b'name="password"' in page.read()

        # Collected at start and served by WhiteNoise, compressed for clients that take it.
        assert (tmp_path / "static" / "touchpoint" / "widget.js").exists()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/static/touchpoint/widget.js",
            headers={"Accept-Encoding": "gzip"},
        )
        script = urllib.request.urlopen(request, timeout=60)
        assert script.status == 200
        assert script.headers["Content-Encoding"] == "gzip"
        assert "max-age" in script.headers["Cache-Control"]
    finally:
        server.terminate()  # gunicorn's master: a graceful stop
        out, _ = server.communicate(timeout=60)
    assert server.returncode == 0, out
    assert "Shutting down: Master" in out


@pytest.mark.parametrize(
    ("value", "setting"),
    [
        ("X-Forwarded-Proto", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("X-Forwarded-Ssl: on", ("HTTP_X_FORWARDED_SSL", "on")),
        ("", None),
    ],
)
def test_the_proxy_https_header_is_read_from_the_environment(monkeypatch, value, setting):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", value)
    assert env_header("SECURE_PROXY_SSL_HEADER") == setting


def test_a_malformed_proxy_header_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "X Forwarded Proto")
    with pytest.raises(ValueError, match="SECURE_PROXY_SSL_HEADER must be a header name"):
        env_header("SECURE_PROXY_SSL_HEADER")
