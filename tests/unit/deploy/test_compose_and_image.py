"""deploy/: the Dockerfile, the compose file and the systemd example, checked offline.

None of them can run here (no Docker daemon, no systemd as PID 1), so each is held to what can be
checked without one: hadolint on the Dockerfile, the compose-spec JSON schema (vendored) on the
compose file, every command they run parsed by the real CLI, Prometheus's own check on the
scrape configuration compose mounts, and the systemd unit equal to what ``freeride service
install`` writes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from deploy_cli import (
    DEPLOY,
    ROLES,
    USAGE_ERRORS,
    check_worker_command,
    dask_cli,
    freeride_cli,
    parse,
)
from ruamel.yaml import YAML

from freeride.config.settings import Settings
from freeride.ops.systemd import UnitSpec, render

COMPOSE = DEPLOY / "compose.yaml"
SCHEMA = DEPLOY / "schema" / "compose-spec.json"
BIN = Path(sys.executable).parent


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(COMPOSE)  # merge keys (<<: *freeride) resolved
    return loaded


def freeride_services() -> dict[str, list[str]]:
    """Services running the image's own entrypoint (``freeride``), with their command."""
    return {
        name: service["command"]
        for name, service in compose()["services"].items()
        if service.get("build") and "entrypoint" not in service
    }


def freeride_services_full() -> list[dict[str, Any]]:
    """Every service built from the image, Dask's included."""
    return [service for service in compose()["services"].values() if service.get("build")]


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--schemafile", str(SCHEMA), str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_hadolint_passes_the_dockerfile() -> None:
    lint = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(DEPLOY / "Dockerfile")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_image_is_multi_stage_non_root_and_probed_on_healthz() -> None:
    lines = [ln.strip() for ln in (DEPLOY / "Dockerfile").read_text().splitlines()]
    stages = [ln for ln in lines if ln.startswith("FROM ")]
    assert len(stages) >= 2
    assert all("slim" in ln for ln in stages)
    assert any(ln.startswith("COPY --from=build") for ln in lines)
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users
    assert users[-1].split(":")[0] not in ("0", "root")
    health = next(i for i, ln in enumerate(lines) if ln.startswith("HEALTHCHECK"))
    assert "/healthz" in " ".join(lines[health : health + 3])
    assert 'ENTRYPOINT ["freeride"]' in lines


def test_hadolint_catches_a_bad_dockerfile(tmp_path: Path) -> None:
    """The lint above can fail: a root image on a moving tag is refused."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n")
    lint = subprocess.run([str(BIN / "hadolint"), str(bad)], capture_output=True, text=True, check=False)
    assert lint.returncode != 0
    assert "DL3007" in lint.stdout


def test_compose_file_matches_the_compose_spec() -> None:
    checked = check_jsonschema(COMPOSE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_schema_check_catches_a_misspelt_key(tmp_path: Path) -> None:
    bad = tmp_path / "compose.yaml"
    bad.write_text(COMPOSE.read_text().replace("    command: [", "    commands: [", 1))
    checked = check_jsonschema(bad)
    assert checked.returncode != 0
    assert "commands" in checked.stdout


def test_compose_has_the_stores_every_role_dask_and_monitoring() -> None:
    services = compose()["services"]
    assert {"redis", "postgres", "prometheus", "grafana"} <= set(services)
    roles = {cmd[cmd.index("--role") + 1] for cmd in freeride_services().values()}
    assert roles == set(ROLES)
    assert services["dask-scheduler"]["profiles"] == ["dask"] == services["dask-worker"]["profiles"]
    assert services["api"]["ports"] == ["8000:8000"]
    mounted = {v.split(":")[0] for s in ("prometheus", "grafana") for v in services[s]["volumes"]}
    for source in mounted - {"prometheus-data", "grafana-data"}:
        assert (DEPLOY / source).exists(), f"compose mounts {source}, which deploy/ does not ship"


def test_the_workers_environment_is_settings_freeride_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown or misspelt FREERIDE_* variable stops freeride at start; here it fails first."""
    (environment,) = {json.dumps(s["environment"], sort_keys=True) for s in freeride_services_full()}
    for name, value in json.loads(environment).items():
        monkeypatch.setenv(name, re.sub(r"\$\{[^}]*\}", "a-password", value))
    settings = Settings()
    assert settings.bus.backend == "redis"
    assert settings.database_url.startswith("postgresql+asyncpg://freeride:a-password@postgres:5432/")


def test_every_role_answers_the_health_check_and_prometheus_scrapes_every_worker() -> None:
    commands = freeride_services()
    for name, argv in commands.items():
        if name not in ("api", "bot"):  # their own servers answer on 8000
            assert argv[-2:] == ["--health-port", "8000"], name
    scrape = YAML(typ="safe").load(DEPLOY / "prometheus" / "compose.yml")
    targets = {t for job in scrape["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert targets == {f"{name}:8000" for name in commands}


def test_every_freeride_command_in_compose_and_systemd_is_one_the_cli_accepts() -> None:
    check_worker_command()
    group = freeride_cli()
    for name, argv in freeride_services().items():
        assert parse(group, argv) == [argv[0]], name
    assert parse(group, SYSTEMD_ARGV[1:]) == ["worker"]  # the systemd example's ExecStart


def test_every_dask_command_in_compose_is_one_dask_accepts() -> None:
    group = dask_cli()
    for name, service in compose()["services"].items():
        if service.get("entrypoint") == ["dask"]:
            assert parse(group, service["command"]) == [service["command"][0]], name


def test_the_cli_check_refuses_what_the_cli_would() -> None:
    with pytest.raises(USAGE_ERRORS):
        parse(freeride_cli(), ["api", "token", "create", "--name", "p", "--scope", "root"])
    with pytest.raises(USAGE_ERRORS):
        parse(freeride_cli(), ["sweep", "sma_cross", "--data", "x.csv", "--symbol", "X", "--clusterr", "a"])
    assert parse(freeride_cli(), ["api", "token", "create", "--name", "prometheus"]) == [
        "api",
        "token",
        "create",
    ]


def test_prometheus_accepts_the_compose_scrape_configuration(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool must be installed under CI=true (apt-get install prometheus)")
        pytest.skip(reason="promtool is not installed (apt-get install prometheus)")
    token = tmp_path / "token"
    token.write_text("fr_read_token\n")
    shutil.copy(DEPLOY / "prometheus" / "freeride-rules.yml", tmp_path)
    config = tmp_path / "prometheus.yml"
    text = (DEPLOY / "prometheus" / "compose.yml").read_text()
    config.write_text(text.replace("/run/secrets/prometheus_token", str(token)))
    checked = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


SYSTEMD_ARGV = ["/opt/freeride/bin/freeride", "worker", "--role", "execution"]


def test_the_systemd_example_is_what_service_install_writes() -> None:
    spec = UnitSpec(
        argv=SYSTEMD_ARGV,
        working_dir=Path("/var/lib/freeride"),
        env_file=Path("/etc/freeride/freeride.env"),
        user=False,
        run_as="freeride",
        name="freeride-execution",
    )
    assert (DEPLOY / "systemd" / "freeride-execution.service").read_text() == render(spec)
