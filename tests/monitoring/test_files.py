"""The monitoring files fit together: Grafana finds its datasource and dashboards, alerts link to dashboards
that exist, Prometheus scrapes every backend replica, and the compose file is valid and mounts what exists."""

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from deploy.local.live import ROOT
from tests.monitoring.files import (
    API_JOB,
    DATASOURCE_UID,
    MONITORING,
    PROMETHEUS_DIR,
    alerts,
    all_panels,
    dashboards,
)

GRAFANA = MONITORING / "grafana"
COMPOSE_FILE = ROOT / "docker-compose.monitoring.yml"


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def test_the_datasource_has_the_fixed_uid_the_dashboards_use():
    [datasource] = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())[
        "datasources"
    ]
    assert datasource["uid"] == DATASOURCE_UID
    assert datasource["type"] == "prometheus"
    assert urlsplit(datasource["url"]).hostname == "prometheus"
    assert "prometheus" in compose()["services"]


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_a_dashboard_loads_without_inputs_and_every_panel_uses_the_datasource(name):
    board = dashboards()[name]
    text = (GRAFANA / "dashboards" / name).read_text()
    assert "${DS_" not in text
    assert "__inputs" not in board
    assert board["id"] is None
    assert re.fullmatch(r"[a-z0-9-]{1,40}", board["uid"])
    panels = all_panels(board)
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}, panel["title"]
        assert panel["targets"], panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == DATASOURCE_UID
            assert re.search(r"finance[-_:]", target["expr"]), target["expr"]  # our job or our metrics
    for variable in board["templating"]["list"]:
        assert variable["datasource"]["uid"] == DATASOURCE_UID


def test_dashboard_uids_are_unique_and_the_provider_loads_their_directory():
    uids = [board["uid"] for board in dashboards().values()]
    assert len(uids) == len(set(uids))
    [provider] = yaml.safe_load((GRAFANA / "provisioning/dashboards/finance.yml").read_text())["providers"]
    mounts = compose()["services"]["grafana"]["volumes"]
    assert f"./monitoring/grafana/dashboards:{provider['options']['path']}:ro" in mounts
    home = compose()["services"]["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.rsplit("/", 1)[-1] in dashboards()


@pytest.mark.parametrize("alert", alerts(), ids=lambda alert: alert["alert"])
def test_an_alert_explains_itself_and_links_to_a_dashboard_that_exists(alert):
    annotations = alert["annotations"]
    assert annotations["summary"].strip()
    assert annotations["description"].strip()
    assert alert["labels"]["severity"] in {"page", "ticket", "warning"}
    path = urlsplit(annotations["dashboard_url"]).path
    uid = re.fullmatch(r"/d/([a-z0-9-]+)/[a-z0-9-]+", path).group(1)
    assert uid in {board["uid"] for board in dashboards().values()}


def test_prometheus_scrapes_every_backend_replica_and_the_exporters():
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    [discovery] = jobs[API_JOB]["dns_sd_configs"]
    assert discovery == {"names": ["backend"], "type": "A", "port": 8000, "refresh_interval": "15s"}
    assert config["rule_files"] == ["alerts.yml"]
    services = compose()["services"]
    for job in ("postgres", "redis", "nginx"):
        [static] = jobs[job]["static_configs"]
        [target] = static["targets"]
        assert target.split(":")[0] in services, target


def test_the_compose_file_is_valid_and_mounts_files_that_exist():
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
    grafana = compose()["services"]["grafana"]
    assert grafana["environment"]["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert ":?" in grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"]  # no default admin password
    for service in ("prometheus", "grafana"):
        assert all(port.startswith("127.0.0.1:") for port in compose()["services"][service]["ports"])


def test_every_setting_of_the_monitoring_stack_is_documented():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    # POSTGRES_* are the database's own settings, shared with the main compose file.
    own = {name for name in used if not name.startswith("POSTGRES_")}
    assert own
    assert own - documented == set()
