"""Figures for the documentation, drawn as plain SVG text (no plotting library):

- `ratio_chart`: the benchmark's ratios to the floor, per endpoint (make bench writes one per run, and
  docs/benchmarks/ keeps the baseline's);
- `burn_rate_windows`: the error-budget alerts of monitoring/prometheus/alerts.yml, each long and short
  window on one time axis.

    python -m deploy.local.figures            # redraw the figures the documentation shows
"""

import json
import math
import re
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "monitoring" / "prometheus" / "alerts.yml"
BASELINE = ROOT / "docs" / "benchmarks" / "baseline.json"
FIGURES = {
    ROOT / "docs" / "benchmarks" / "baseline.svg": lambda: ratio_chart_from_file(BASELINE),
    ROOT / "docs" / "observability" / "burn-rate-windows.svg": lambda: burn_rate_windows(ALERTS.read_text()),
}
FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'"
COLOURS = ["#3f51b5", "#9fa8da", "#ef6c00", "#ffcc80"]


def _text(
    x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", weight: str = "normal"
) -> str:
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' font-weight='{weight}' "
        f"{FONT}>{escape(text)}</text>"
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return "\n".join(
        [
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(title)}'>",
            f"<title>{escape(title)}</title>",
            f"<rect width='{width}' height='{height}' fill='white'/>",
            *body,
            "</svg>",
            "",
        ]
    )


# --- the benchmark ----------------------------------------------------------------------------------------
@dataclass
class Bar:
    label: str
    values: dict[str, float]  # series name -> ratio to the floor
    target: float | None = None


def ratio_chart(title: str, subtitle: str, bars: list[Bar]) -> str:
    """Horizontal bars, one group per endpoint, one bar per series, ratios from 0 to 1; targets ticked."""
    series = list(dict.fromkeys(name for bar in bars for name in bar.values))
    left, right, top, bar_h, gap = 250, 40, 84, 14, 12
    width = 760
    plot = width - left - right
    group = bar_h * len(series) + gap
    height = top + group * len(bars) + 60
    body = [_text(16, 26, title, size=16, weight="bold"), _text(16, 46, subtitle, size=12)]
    for tick in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        x = left + plot * tick
        body.append(f"<line x1='{x:.1f}' y1='{top - 6}' x2='{x:.1f}' y2='{height - 50}' stroke='#e0e0e0'/>")
        body.append(_text(x, height - 36, f"{tick:.1f}", size=11, anchor="middle"))
    body.append(
        _text(left + plot / 2, height - 18, "ratio to the floor (GET /health/live = 1.0)", anchor="middle")
    )
    for index, bar in enumerate(bars):
        y0 = top + index * group
        body.append(_text(left - 8, y0 + bar_h * len(series) / 2 + 4, bar.label, anchor="end"))
        for number, name in enumerate(series):
            value = bar.values.get(name)
            if value is None:
                continue
            y = y0 + number * bar_h
            colour = COLOURS[number % len(COLOURS)]
            body.append(
                f"<rect x='{left}' y='{y:.1f}' width='{plot * min(value, 1.0):.1f}' height='{bar_h - 2}' "
                f"fill='{colour}'/>"
            )
            body.append(_text(left + plot * min(value, 1.0) + 4, y + bar_h - 4, f"{value:.2f}", size=10))
        if bar.target is not None:
            x = left + plot * bar.target
            body.append(
                f"<line x1='{x:.1f}' y1='{y0 - 3:.1f}' x2='{x:.1f}' y2='{y0 + bar_h * len(series) + 1:.1f}' "
                "stroke='#c62828' stroke-width='2'/>"
            )
    legend_x = left
    for number, name in enumerate([*series, "target"]):
        colour = "#c62828" if name == "target" else COLOURS[number % len(COLOURS)]
        body.append(f"<rect x='{legend_x}' y='{top - 22}' width='10' height='10' fill='{colour}'/>")
        body.append(_text(legend_x + 14, top - 13, name, size=11))
        legend_x += 18 + 7 * len(name) + 20
    return _svg(width, height, title, body)


def ratio_chart_from_file(path: Path) -> str:
    """The chart of a results file: {"title", "subtitle", "bars": [{"label", "values", "target"}]}."""
    data = json.loads(path.read_text())
    bars = [Bar(bar["label"], bar["values"], bar.get("target")) for bar in data["bars"]]
    return ratio_chart(data["title"], data["subtitle"], bars)


# --- the error-budget alerts ------------------------------------------------------------------------------
_UNITS = {"m": 60, "h": 3600, "d": 86400}
_WINDOW = re.compile(r"ratio_rate(\d+[mhd]) > \(([\d.]+) \* ([\d.]+)\)")


def seconds(duration: str) -> int:
    return int(duration[:-1]) * _UNITS[duration[-1]]


@dataclass
class BurnAlert:
    name: str
    factor: float
    long: str
    short: str
    wait: str
    severity: str


def burn_alerts(alerts_yaml: str) -> list[BurnAlert]:
    """The multi-window burn-rate alerts of alerts.yml, in the file's order."""
    import yaml

    found = []
    for group in yaml.safe_load(alerts_yaml)["groups"]:
        for rule in group["rules"]:
            windows = _WINDOW.findall(rule.get("expr", ""))
            if "alert" in rule and len(windows) == 2:
                (long, factor, _), (short, _, _) = sorted(windows, key=lambda w: -seconds(w[0]))
                found.append(
                    BurnAlert(
                        rule["alert"],
                        float(factor),
                        long,
                        short,
                        rule.get("for", "0m"),
                        rule["labels"]["severity"],
                    )
                )
    return found


def burn_rate_windows(alerts_yaml: str) -> str:
    """Each burn-rate alert as two bars ending now: the long window proves the budget burns, the short one
    that it still does. A logarithmic time axis, so that 5 minutes and 3 days both show."""
    alerts = burn_alerts(alerts_yaml)
    left, right, top, row = 300, 30, 74, 46
    width = 820
    plot = width - left - right
    earliest, latest = math.log(4 * 86400), math.log(60)
    height = top + row * len(alerts) + 56

    def x(age: int) -> float:  # age in seconds before now -> x; now is the right edge
        return left + plot * (earliest - math.log(age)) / (earliest - latest)

    body = [
        _text(16, 26, "Error-budget alerts: the windows each one watches", size=16, weight="bold"),
        _text(
            16,
            46,
            "Availability SLO 99.9% (budget 0.1% of requests). An alert fires when both windows burn "
            "the budget faster than its factor.",
            size=12,
        ),
    ]
    for tick in ("5m", "30m", "1h", "2h", "6h", "1d", "3d"):
        body.append(
            f"<line x1='{x(seconds(tick)):.1f}' y1='{top - 8}' x2='{x(seconds(tick)):.1f}' y2='{height - 48}' stroke='#e0e0e0'/>"
        )
        body.append(_text(x(seconds(tick)), height - 32, tick, size=11, anchor="middle"))
    body.append(_text(left + plot, height - 32, "now", size=11, anchor="end"))
    body.append(
        _text(left + plot / 2, height - 12, "time before now (logarithmic)", size=11, anchor="middle")
    )
    now = left + plot
    for index, alert in enumerate(alerts):
        y = top + index * row
        colour = "#c62828" if alert.severity == "page" else "#ef6c00"
        body.append(_text(16, y + 14, f"{alert.factor:g}x budget · {alert.severity}", size=12, weight="bold"))
        body.append(_text(16, y + 30, f"{alert.name} (for {alert.wait})", size=11))
        long_x, short_x = x(seconds(alert.long)), x(seconds(alert.short))
        body.append(
            f"<rect x='{long_x:.1f}' y='{y}' width='{now - long_x:.1f}' height='16' fill='{colour}' fill-opacity='0.35'/>"
        )
        body.append(_text(long_x + 4, y + 12, f"long window {alert.long}", size=10))
        body.append(
            f"<rect x='{short_x:.1f}' y='{y + 19}' width='{now - short_x:.1f}' height='12' fill='{colour}'/>"
        )
        body.append(_text(short_x - 4, y + 29, f"short {alert.short}", size=10, anchor="end"))
    return _svg(width, height, "Error-budget alert windows", body)


def main(argv: list[str]) -> int:
    for path, draw in FIGURES.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(draw())
        print(f"drew {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
