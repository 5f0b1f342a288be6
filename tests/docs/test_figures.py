"""The documentation's figures are drawn from what they show, and say it."""

from deploy.local import figures


def test_the_committed_figures_are_what_the_sources_draw():
    stale = [
        str(path.relative_to(figures.ROOT))
        for path, draw in figures.FIGURES.items()
        if path.read_text() != draw()
    ]
    assert not stale, f"redraw with `python -m deploy.local.figures`: {stale}"


def test_the_alert_windows_are_those_of_the_rules():
    alerts = figures.burn_alerts(figures.ALERTS.read_text())
    assert [(a.factor, a.long, a.short, a.severity) for a in alerts] == [
        (14.4, "1h", "5m", "page"),
        (6, "6h", "30m", "page"),
        (3, "1d", "2h", "ticket"),
        (1, "3d", "6h", "ticket"),
    ]
    svg = figures.burn_rate_windows(figures.ALERTS.read_text())
    for alert in alerts:
        assert f"long window {alert.long}" in svg and f"short {alert.short}" in svg and alert.name in svg


def test_the_benchmark_chart_shows_every_endpoint_and_its_target():
    bars = [
        figures.Bar("GET /accounts", {"throughput": 0.5, "CPU": 0.7}),
        figures.Bar("POST /transactions", {"throughput": 0.21, "CPU": 0.3}, target=0.2),
    ]
    svg = figures.ratio_chart("make bench", "2026-12-06, commit abc1234", bars)
    assert svg.startswith("<svg") and "commit abc1234" in svg
    assert "GET /accounts" in svg and "POST /transactions" in svg
    assert svg.count("stroke='#c62828'") == 1  # one target line
    assert ">0.21<" in svg and ">0.70<" in svg
