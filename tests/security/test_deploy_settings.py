"""Production settings pass Django's deployment checks and refuse the development secret key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    # The browser tests' async-safety switch must not leak into a production check.
    dropped = {"DEBUG", "SECRET_KEY", "SITE_URL", "DEVELOPMENT_SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    environment.update(env)
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], **env)


def test_check_deploy_passes_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" * 10 + "production-secret-7f3a9c1e5b2d8064aa19c3e7f5d2b8a6-3e1f",
        ALLOWED_HOSTS="desk.example.com",
        SITE_URL="https://desk.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="desk.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when DEBUG is off." in result.stderr


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "desk.example.com"}


def test_production_refuses_to_start_without_the_sites_address():
    # Mail the worker sends with no request behind it would otherwise link to an address nobody serves.
    web = [sys.executable, "-c", "import config.wsgi"]  # what gunicorn loads
    for result in (manage("check", **PRODUCTION), run(web, **PRODUCTION)):
        assert result.returncode != 0
        assert (
            "django.core.exceptions.ImproperlyConfigured: SITE_URL must be set in the environment when DEBUG is off: "
            "the address emails link to, such as https://desk.example.com."
        ) in result.stderr


@pytest.mark.parametrize("site_url", ["desk.example.com", "ftp://desk.example.com", "https://", "https://desk?x=1"])
def test_a_site_address_that_is_no_address_is_refused_naming_it(site_url):
    result = manage("check", **PRODUCTION, SITE_URL=site_url)
    assert result.returncode != 0
    assert (
        "SITE_URL must be the site's address with http:// or https://, such as https://desk.example.com; "
        f"{site_url!r} is not one."
    ) in result.stderr


def test_development_needs_no_site_address_and_links_where_it_serves():
    show = "from core.site import site_url; print(site_url())"
    result = manage("shell", "-c", show, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8000"
    result = manage("shell", "-c", show, DEBUG="1", DEVELOPMENT_SITE_URL="http://desk.local:9000")
    assert result.stdout.strip().splitlines()[-1] == "http://desk.local:9000"


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "<script>" not in response.content.decode()
