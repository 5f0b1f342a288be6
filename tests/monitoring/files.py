"""The monitoring files as data: dashboards, their panels and queries, alert and recording rules."""

import json
from dataclasses import dataclass

import yaml

from deploy.local.live import ROOT

MONITORING = ROOT / "monitoring"
PROMETHEUS_DIR = MONITORING / "prometheus"
RULES_FILE = PROMETHEUS_DIR / "alerts.yml"
DASHBOARDS_DIR = MONITORING / "grafana" / "dashboards"
DATASOURCE_UID = "prometheus"
API_JOB = "finance-api"

# What Grafana puts in place of its built-in variables, for evaluating a panel's query by hand. Rate windows
# of a few minutes cover all the traffic a test sends, however slowly the machine runs it.
GRAFANA_INTERVALS = {"$__rate_interval": "5m", "$__interval": "15s", "$__range": "1h"}


@dataclass(frozen=True)
class Panel:
    dashboard: str
    title: str
    exprs: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.dashboard}: {self.title}"


def dashboards() -> dict[str, dict]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS_DIR.glob("*.json"))}


def all_panels(board: dict) -> list[dict]:
    """Every panel, including those folded inside rows."""
    found = []
    for panel in board.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def concrete(expr: str, board: dict) -> str:
    """The query with Grafana's variables replaced: intervals by fixed ranges, "All" by a match-all regex."""
    for name, value in GRAFANA_INTERVALS.items():
        expr = expr.replace(name, value)
    for variable in board.get("templating", {}).get("list", []):
        expr = expr.replace(f"${variable['name']}", variable.get("allValue") or ".*")
    assert "$" not in expr.replace("${1}", ""), f"unreplaced variable in {expr}"
    return expr


def query_panels() -> list[Panel]:
    panels = []
    for board in dashboards().values():
        for panel in all_panels(board):
            targets = panel.get("targets", [])
            if targets:
                exprs = tuple(concrete(target["expr"], board) for target in targets)
                panels.append(Panel(board["title"], panel["title"], exprs))
    return panels


def rule_groups() -> list[dict]:
    return yaml.safe_load(RULES_FILE.read_text())["groups"]


def rules() -> list[dict]:
    return [rule for group in rule_groups() for rule in group["rules"]]


def alerts() -> list[dict]:
    return [rule for rule in rules() if "alert" in rule]
