"""The install and deployment files: the lock file pins every dependency with hashes; the image and compose agree."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

BASE_DIR = Path(__file__).resolve().parents[2]
PINNED = re.compile(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s\\;]+)")


def locked() -> dict[str, tuple[str, list[str]]]:
    """Each locked package's version and hashes, by normalised name."""
    packages: dict[str, tuple[str, list[str]]] = {}
    name = None
    for line in (BASE_DIR / "requirements.lock").read_text().splitlines():
        if match := PINNED.match(line):
            name = re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-").replace(".", "-")
            packages[name] = (match.group(2), [])
        elif name and "--hash=sha256:" in line:
            packages[name][1].append(line.split("--hash=sha256:")[1].strip(" \\"))
    return packages


def test_every_dependency_is_locked_at_a_version_it_allows_with_hashes():
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    lock = locked()
    problems = []
    for spec in wanted:
        requirement = Requirement(spec)
        name = requirement.name.lower().replace("_", "-").replace(".", "-")
        if name not in lock:
            problems.append(f"{requirement.name} is not in requirements.lock: run `make lock`")
            continue
        version, hashes = lock[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name} is locked at {version}, outside {requirement.specifier}")
        if not hashes:
            problems.append(f"{requirement.name} has no hash in requirements.lock")
    assert not problems, "\n".join(problems)
    assert all(hashes for _version, hashes in lock.values()), "every locked package carries its hashes"


def test_schemathesis_is_wanted_at_the_major_version_the_tests_use():
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    [spec] = [Requirement(s) for s in project["optional-dependencies"]["dev"] if s.startswith("schemathesis")]
    assert not spec.specifier.contains("3.39.0") and spec.specifier.contains("4.0.0")


def test_the_image_installs_from_the_lock_and_compose_runs_the_production_setup():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "/healthz" in dockerfile
    compose = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].endswith("@postgres:5432/backorder_desk")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_production_files_give_the_site_its_address():
    # With DEBUG off the app refuses to start without SITE_URL: compose asks for it, the image's build step
    # (collectstatic, DEBUG off) has a placeholder of its own, and `make serve` says it needs it.
    compose = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())
    for name in ("web", "worker", "beat"):
        assert compose["services"][name]["environment"]["SITE_URL"].startswith("${SITE_URL:?")
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "SITE_URL=http://build \\\n    python manage.py collectstatic" in dockerfile
    assert "SITE_URL" in (BASE_DIR / "Makefile").read_text().split("\nserve:")[0].rsplit("\n\n", 1)[-1]
