"""deploy/azure/main.bicep, parsed (pycep) and held to its promises without an Azure account.

One container app per worker role, each running a command the real CLI accepts; PostgreSQL
flexible server, Azure Cache for Redis, Log Analytics and Application Insights present; every
secret a ``@secure()`` parameter or a Key Vault reference read through the user-assigned managed
identity, which holds the Key Vault Secrets User role on the vault and nothing in clear.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from deploy_cli import DEPLOY, ROLES, check_worker_command, freeride_cli, parse

from freeride.config.settings import Settings

pycep = pytest.importorskip("pycep", reason="pycep-parser is in the dev extra")

BICEP = DEPLOY / "azure" / "main.bicep"
SECRET_WORDS = re.compile(r"password|secret|key|token|connection", re.IGNORECASE)
# the only environment values an app may hold in clear: none is a secret
PLAIN_SETTINGS = {
    "FREERIDE_BUS__BACKEND", "FREERIDE_LOG__FORMAT", "FREERIDE_SECRETS__ORDER",
    "FREERIDE_SECRETS__AZURE_VAULT_URL", "AZURE_CLIENT_ID",
    "FREERIDE_DISCORD__APPLICATION_ID", "FREERIDE_DISCORD__PUBLIC_KEY",  # public identifiers
}  # fmt: skip
SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6"


@pytest.fixture(scope="module")
def bicep() -> dict[str, Any]:
    parsed: dict[str, Any] = pycep.BicepParser().parse(text=BICEP.read_text())
    return parsed


def of_type(bicep: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in bicep["resources"].items() if r["type"] == kind}


def body(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource's properties, inside its loop or condition when it has one."""
    config: dict[str, Any] = resource["config"]
    return config["config"] if "loop_type" in config or "condition" in config else config


def accessor(text: str) -> dict[str, Any]:
    """pycep's form of ``a.b.c``."""
    head, _, rest = text.partition(".")
    operand: Any = accessor(rest) if "." in rest else rest
    return {"operator": {"type": "property_accessor", "operands": {"operand_1": head, "operand_2": operand}}}


def test_no_secret_is_a_plain_parameter(bicep: dict[str, Any]) -> None:
    for name, param in bicep["parameters"].items():
        secure = any(d["type"] == "secure" for d in param["decorators"])
        if SECRET_WORDS.search(name) and not any(w in name.lower() for w in ("objectid", "publickey")):
            assert secure, f"parameter {name} looks like a secret but is not @secure()"
        if secure:
            assert param["default"] is None, f"the secure parameter {name} has a default"
    assert any(d["type"] == "secure" for d in bicep["parameters"]["postgresAdminPassword"]["decorators"])


def test_every_role_is_a_container_app_running_a_command_the_cli_accepts(bicep: dict[str, Any]) -> None:
    assert bicep["variables"]["roles"]["value"] == list(ROLES)
    (app,) = of_type(bicep, "Microsoft.App/containerApps").values()
    assert app["config"]["loop_type"]["detail"] == {"item_name": "role", "array_name": "roles"}
    (container,) = body(app)["properties"]["template"]["containers"]
    replicas = bicep["variables"]["maxReplicas"]["value"]
    assert list(replicas) == list(ROLES)
    assert replicas["execution"] == 1  # one sender per account; the lease fences a second anyway
    assert replicas["alerts"] == replicas["strategies"] == 1  # sharded roles grow by --shard
    scale = body(app)["properties"]["template"]["scale"]
    assert scale["maxReplicas"]["operator"]["operands"] == {"operand_1": "maxReplicas", "operand_2": "role"}
    args = ["worker", "--role", "role", "--health-port", "8000"]  # `role`: the loop variable
    assert container["args"] == args
    probe = container["probes"][0]
    assert (probe["type"], probe["httpGet"]) == ("Liveness", {"path": "/healthz", "port": 8000})
    check_worker_command()
    for role in ROLES:
        assert parse(freeride_cli(), [*args[:2], role, *args[3:]]) == ["worker"]


def test_the_apps_read_secrets_from_key_vault_through_the_managed_identity(bicep: dict[str, Any]) -> None:
    (identity_name,) = of_type(bicep, "Microsoft.ManagedIdentity/userAssignedIdentities")
    (app,) = of_type(bicep, "Microsoft.App/containerApps").values()
    props = body(app)
    assert props["identity"]["type"] == "UserAssigned"
    assert list(props["identity"]["userAssignedIdentities"]) == [f"'${{{identity_name}.id}}'"]
    secrets = props["properties"]["configuration"]["secrets"]
    assert secrets
    for secret in secrets:
        assert "value" not in secret, f"{secret['name']} is held in clear by the app"
        assert secret["identity"] == accessor(f"{identity_name}.id")
        assert secret["keyVaultUrl"]["operator"]["operands"]["operand_2"] == accessor("properties.secretUri")
    named = {s["name"] for s in secrets}
    (container,) = props["properties"]["template"]["containers"]
    for env in container["env"]:
        if env["name"] not in PLAIN_SETTINGS:
            assert env.get("secretRef") in named, f"{env['name']} is not a Key Vault reference"
    env = {e["name"]: e for e in container["env"]}
    assert {"FREERIDE_DATABASE_URL", "FREERIDE_REDIS_URL", "APPLICATIONINSIGHTS_CONNECTION_STRING"} <= set(
        env
    )
    assert env["AZURE_CLIENT_ID"]["value"] == accessor(f"{identity_name}.properties.clientId")


# plausible values of what the Key Vault references and expressions resolve to in Azure
RESOLVED = {
    "database-url": "postgresql+asyncpg://freeride:pw@freeride-pg-x.postgres.database.azure.com:5432/freeride?ssl=require",
    "redis-url": "rediss://:a%2Bkey%3D@freeride-redis-x.redis.cache.windows.net:6380/0",
    "appinsights-connection-string": "InstrumentationKey=00000000-0000-0000-0000-000000000000",
    "vault.properties.vaultUri": "https://freeride-kv-x.vault.azure.net/",
    "identity.properties.clientId": "00000000-0000-0000-0000-000000000000",
    "discordApplicationId": "1234567890123456789",
    "discordPublicKey": "ab" * 32,
}


def expression(value: Any) -> str:
    """``a.b.c`` back from pycep's accessor form."""
    if isinstance(value, str):
        return value
    operands = value["operator"]["operands"]
    return f"{operands['operand_1']}.{expression(operands['operand_2'])}"


def test_the_apps_environment_is_settings_freeride_accepts(
    bicep: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    (app,) = of_type(bicep, "Microsoft.App/containerApps").values()
    (container,) = body(app)["properties"]["template"]["containers"]
    for env in container["env"]:
        value = RESOLVED[env["secretRef"]] if "secretRef" in env else env["value"]
        monkeypatch.setenv(env["name"], RESOLVED.get(expression(value), expression(value)))
    settings = Settings()
    assert settings.discord.enabled
    for name in ("FREERIDE_DISCORD__APPLICATION_ID", "FREERIDE_DISCORD__PUBLIC_KEY"):
        monkeypatch.setenv(name, "")  # the parameters' defaults: no bot, and every role still starts
    assert not Settings().discord.enabled
    settings = Settings()
    assert settings.bus.backend == "redis"
    assert settings.secrets.order == ["env", "azure_keyvault"]
    assert settings.redis_url is not None
    assert settings.redis_url.startswith("rediss://")


def test_the_identity_may_read_the_vault_secrets_and_the_vault_uses_rbac(bicep: dict[str, Any]) -> None:
    (vault_name, vault), = of_type(bicep, "Microsoft.KeyVault/vaults").items()  # fmt: skip
    assert body(vault)["properties"]["enableRbacAuthorization"] is True
    assignments = of_type(bicep, "Microsoft.Authorization/roleAssignments")
    reader = [
        body(a)
        for a in assignments.values()
        if body(a)["scope"] == vault_name
        and body(a)["properties"]["principalId"] == accessor("identity.properties.principalId")
    ]
    assert len(reader) == 1
    assert bicep["variables"]["secretsUserRole"]["value"] == SECRETS_USER_ROLE
    assert "secretsUserRole" in json.dumps(reader[0]["properties"]["roleDefinitionId"])
    stored = {body(s)["name"] for s in of_type(bicep, "Microsoft.KeyVault/vaults/secrets").values()}
    assert stored == {"database-url", "redis-url", "appinsights-connection-string"}


def test_the_stores_and_the_monitoring_are_there(bicep: dict[str, Any]) -> None:
    for kind in (
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "Microsoft.DBforPostgreSQL/flexibleServers/databases",
        "Microsoft.Cache/redis",
        "Microsoft.OperationalInsights/workspaces",
        "Microsoft.Insights/components",
        "Microsoft.App/managedEnvironments",
    ):
        assert of_type(bicep, kind), f"no {kind}"
    (redis,) = of_type(bicep, "Microsoft.Cache/redis").values()
    assert body(redis)["properties"]["enableNonSslPort"] is False
    (env,) = of_type(bicep, "Microsoft.App/managedEnvironments").values()
    assert body(env)["properties"]["appLogsConfiguration"]["destination"] == "log-analytics"
    (insights,) = of_type(bicep, "Microsoft.Insights/components").values()
    assert body(insights)["properties"]["WorkspaceResourceId"] == accessor("logs.id")
    (pg,) = of_type(bicep, "Microsoft.DBforPostgreSQL/flexibleServers").values()
    assert body(pg)["properties"]["administratorLoginPassword"] == "postgresAdminPassword"
