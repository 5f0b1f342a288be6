"""Render every overlay with kustomize and check what the cluster would receive.

    python k8s/check.py            # `make k8s-check`; exit status 1 on any problem

Checks, per overlay:
- schema: each object against the Kubernetes OpenAPI schemas (kubernetes-validate, strict: unknown fields
  are errors) for the oldest and newest Kubernetes versions supported. The CRD kinds (ServiceMonitor,
  HTTPRoute) have no schema there: they are checked for the fields they need and what they point at.
- references: Services, HPAs, PDBs, Ingress/HTTPRoute backends, ServiceMonitors and envFrom point at objects
  and ports that exist in the same render.
- pods: the Pod Security "restricted" profile for every pod template, plus this project's rules (read-only
  root filesystem, no service account token, resources, probes with an accepted Host header, rollouts
  that never drop capacity).
- network: the API pods admit traffic only from the edge's namespace (the Gateway of the HTTPRoute, the
  ingress controller of the Ingress) and Prometheus' - gunicorn must never be reached directly; the app
  trusts X-Forwarded-For only from networks narrower than a whole private range.
- edge routes: the Ingress and the HTTPRoute route exactly the app's public paths: never /metrics, and the
  Django admin only where an operator added it (components/admin-at-edge).

Rendering uses `kustomize build` or `kubectl kustomize` on a copy of k8s/ in which each overlay's
secrets.env is its secrets.env.example: real secrets are never read or printed.
"""

import argparse
import ipaddress
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import kubernetes_validate
import yaml

K8S_DIR = Path(__file__).resolve().parent
URLS_FILE = K8S_DIR.parent / "src" / "config" / "urls.py"
OVERLAYS = sorted(path.name for path in (K8S_DIR / "overlays").iterdir() if path.is_dir())
# The oldest Kubernetes the manifests support (preStop `sleep` needs 1.30) and the newest schema known.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())
CRD_KINDS = {"ServiceMonitor", "HTTPRoute"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
# Pod Security Standards, "restricted": the only volume types allowed.
RESTRICTED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
DURATION = re.compile(r"^(\d+(ms|s|m|h))+$")
DNS_NAME = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class RenderError(RuntimeError):
    pass


def renderer() -> list[str]:
    """The kustomize command available here: the standalone binary, else the one built into kubectl."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    raise RenderError("rendering needs kustomize or kubectl on PATH")


def render_tree(k8s_dir: Path, overlay: str) -> list[dict]:
    """Render `overlays/<overlay>` of a k8s/ tree as it stands (secrets.env must exist)."""
    result = subprocess.run(  # noqa: S603 - a fixed command on our own files
        [*renderer(), str(k8s_dir / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RenderError(f"kustomize failed for {overlay}:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def copy_with_example_secrets(destination: Path) -> Path:
    """A copy of k8s/ whose overlays use their secrets.env.example as secrets.env."""
    tree = destination / "k8s"
    shutil.copytree(K8S_DIR, tree, ignore=shutil.ignore_patterns("secrets.env", "__pycache__"))
    for overlay in (tree / "overlays").iterdir():
        example = overlay / "secrets.env.example"
        if example.exists():
            shutil.copyfile(example, overlay / "secrets.env")
    return tree


def render(overlay: str) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="k8s-render-") as tmp:
        return render_tree(copy_with_example_secrets(Path(tmp)), overlay)


def ident(doc: dict) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def of_kind(docs: Iterable[dict], kind: str) -> list[dict]:
    return [doc for doc in docs if doc.get("kind") == kind]


def by_name(docs: Iterable[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in of_kind(docs, kind)}


# --- schema -----------------------------------------------------------------------------------------------


def schema_problems(docs: list[dict], versions: Iterable[str] = KUBERNETES_VERSIONS) -> list[str]:
    problems = []
    for doc in docs:
        if doc.get("kind") in CRD_KINDS:
            continue  # no published schema in kubernetes-validate: see crd_problems
        for version in versions:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = "/".join(str(part) for part in error.path)
                problems.append(f"{ident(doc)}: Kubernetes {version}: {where}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError as error:
                problems.append(f"{ident(doc)}: {error.message}")
    return problems


def crd_problems(docs: list[dict]) -> list[str]:
    """The fields ServiceMonitor and HTTPRoute need, checked by hand (their CRD schemas are not here)."""
    problems = []
    for monitor in of_kind(docs, "ServiceMonitor"):
        name = ident(monitor)
        if monitor.get("apiVersion") != "monitoring.coreos.com/v1":
            problems.append(f"{name}: apiVersion must be monitoring.coreos.com/v1")
        spec = monitor.get("spec", {})
        if not spec.get("selector", {}).get("matchLabels"):
            problems.append(f"{name}: spec.selector.matchLabels is required")
        endpoints = spec.get("endpoints") or []
        if not endpoints:
            problems.append(f"{name}: spec.endpoints is empty")
        for endpoint in endpoints:
            if not endpoint.get("port"):
                problems.append(f"{name}: every endpoint needs a named port")
            if not str(endpoint.get("path", "/metrics")).startswith("/"):
                problems.append(f"{name}: endpoint path must start with /")
            for field in ("interval", "scrapeTimeout"):
                if field in endpoint and not DURATION.match(str(endpoint[field])):
                    problems.append(f"{name}: endpoint {field} {endpoint[field]!r} is not a duration")
    for route in of_kind(docs, "HTTPRoute"):
        name = ident(route)
        if route.get("apiVersion") != "gateway.networking.k8s.io/v1":
            problems.append(f"{name}: apiVersion must be gateway.networking.k8s.io/v1")
        spec = route.get("spec", {})
        if not spec.get("parentRefs") or not all(ref.get("name") for ref in spec["parentRefs"]):
            problems.append(f"{name}: spec.parentRefs must name the Gateway")
        for hostname in spec.get("hostnames", []):
            if not DNS_NAME.match(hostname):
                problems.append(f"{name}: hostname {hostname!r} is not a DNS name")
        rules = spec.get("rules") or []
        if not rules:
            problems.append(f"{name}: spec.rules is empty")
        for rule in rules:
            if not rule.get("backendRefs"):
                problems.append(f"{name}: a rule has no backendRefs")
            for match in rule.get("matches", []):
                path = match.get("path", {})
                if path.get("type") not in {None, "Exact", "PathPrefix", "RegularExpression"}:
                    problems.append(f"{name}: unknown path match type {path.get('type')!r}")
                if "value" in path and not str(path["value"]).startswith("/"):
                    problems.append(f"{name}: path match must start with /")
            for field, value in (rule.get("timeouts") or {}).items():
                if field not in {"request", "backendRequest"} or not DURATION.match(str(value)):
                    problems.append(f"{name}: timeouts.{field} {value!r} is not valid")
    return problems


# --- references -------------------------------------------------------------------------------------------


def pod_templates(docs: Iterable[dict]) -> Iterator[tuple[dict, dict]]:
    """(workload, pod template) for every object that runs pods."""
    for doc in docs:
        if doc.get("kind") in WORKLOAD_KINDS:
            yield doc, doc["spec"]["template"]


def _selects(selector: dict, labels: dict) -> bool:
    wanted = selector.get("matchLabels", {})
    return bool(wanted) and all(labels.get(key) == value for key, value in wanted.items())


def _service_port(service: dict, port: object) -> dict | None:
    for entry in service["spec"].get("ports", []):
        if port in (entry.get("name"), entry.get("port")):
            return entry
    return None


def _container_port_names(template: dict) -> set[str]:
    return {
        port["name"]
        for container in template["spec"]["containers"]
        for port in container.get("ports", [])
        if "name" in port
    }


def reference_problems(docs: list[dict]) -> list[str]:
    problems = []
    services = by_name(docs, "Service")
    config_maps = by_name(docs, "ConfigMap")
    secrets = by_name(docs, "Secret")
    templates = list(pod_templates(docs))

    for service in services.values():
        selector = service["spec"].get("selector", {})
        matched = [t for _, t in templates if _selects({"matchLabels": selector}, t["metadata"]["labels"])]
        if not matched:
            problems.append(f"{ident(service)}: its selector matches no pod template")
        for port in service["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            if isinstance(target, str) and not any(target in _container_port_names(t) for t in matched):
                problems.append(f"{ident(service)}: targetPort {target!r} is no container port")

    for workload, template in templates:
        # A Job's selector is generated by the cluster; the others must match their own pods.
        if workload["kind"] != "Job" and not _selects(
            workload["spec"]["selector"], template["metadata"]["labels"]
        ):
            problems.append(f"{ident(workload)}: spec.selector does not match its pod template")
        for container in template["spec"]["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source and source["configMapRef"]["name"] not in config_maps:
                    problems.append(f"{ident(workload)}: no ConfigMap {source['configMapRef']['name']}")
                if "secretRef" in source and source["secretRef"]["name"] not in secrets:
                    problems.append(f"{ident(workload)}: no Secret {source['secretRef']['name']}")

    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if target["name"] not in by_name(docs, target["kind"]):
            problems.append(f"{ident(hpa)}: scales {target['kind']}/{target['name']}, which does not exist")

    for pdb in of_kind(docs, "PodDisruptionBudget"):
        if not any(_selects(pdb["spec"]["selector"], t["metadata"]["labels"]) for _, t in templates):
            problems.append(f"{ident(pdb)}: its selector matches no pod template")

    for ingress in of_kind(docs, "Ingress"):
        for rule in ingress["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                service = services.get(backend["name"])
                port = backend["port"].get("name", backend["port"].get("number"))
                if service is None or _service_port(service, port) is None:
                    problems.append(f"{ident(ingress)}: backend {backend['name']}:{port} does not exist")

    for route in of_kind(docs, "HTTPRoute"):
        for rule in route["spec"].get("rules", []):
            for ref in rule.get("backendRefs", []):
                service = services.get(ref["name"])
                if ref.get("kind", "Service") != "Service" or service is None:
                    problems.append(f"{ident(route)}: backend {ref['name']} is no Service here")
                elif _service_port(service, ref.get("port")) is None:
                    problems.append(f"{ident(route)}: Service {ref['name']} has no port {ref.get('port')}")

    for monitor in of_kind(docs, "ServiceMonitor"):
        selected = [
            s for s in services.values() if _selects(monitor["spec"]["selector"], s["metadata"]["labels"])
        ]
        if not selected:
            problems.append(f"{ident(monitor)}: its selector matches no Service")
        for endpoint in monitor["spec"].get("endpoints", []):
            if selected and not any(_service_port(s, endpoint.get("port")) for s in selected):
                problems.append(f"{ident(monitor)}: no selected Service has a port {endpoint.get('port')!r}")

    for policy in of_kind(docs, "NetworkPolicy"):
        selector = policy["spec"]["podSelector"]
        chosen = [t for _, t in templates if _policy_selects(selector, t["metadata"]["labels"])]
        if not chosen:
            problems.append(f"{ident(policy)}: its podSelector matches no pod template")
        for rule in policy["spec"].get("ingress", []):
            for port in rule.get("ports", []):
                name = port.get("port")
                if isinstance(name, str) and not all(name in _container_port_names(t) for t in chosen):
                    problems.append(f"{ident(policy)}: port {name!r} is not a port of the pods it selects")
    return problems


def _policy_selects(selector: dict, labels: dict) -> bool:
    if not all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        present = labels.get(expression["key"])
        if expression["operator"] == "In" and present not in expression["values"]:
            return False
        if expression["operator"] == "NotIn" and present in expression["values"]:
            return False
    return bool(selector)


# --- pods -------------------------------------------------------------------------------------------------


def _env_value(docs: list[dict], template: dict, container: dict, key: str) -> str | None:
    """The value a container sees for `key`: its env, else the ConfigMaps it loads with envFrom."""
    for entry in container.get("env", []):
        if entry["name"] == key and "value" in entry:
            return entry["value"]
    config_maps = by_name(docs, "ConfigMap")
    value = None
    for source in container.get("envFrom", []):  # later sources win, as in Kubernetes
        name = source.get("configMapRef", {}).get("name")
        if name in config_maps and key in config_maps[name].get("data", {}):
            value = config_maps[name]["data"][key]
    return value


def restricted_problems(docs: list[dict]) -> list[str]:
    """Pod Security Standards, "restricted" profile, for every pod template."""
    problems = []
    for workload, template in pod_templates(docs):
        name = ident(workload)
        spec = template["spec"]
        pod_context = spec.get("securityContext", {})
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(field):
                problems.append(f"{name}: {field} is not allowed")
        for volume in spec.get("volumes", []):
            kinds = set(volume) - {"name"}
            if not kinds <= RESTRICTED_VOLUME_TYPES:
                problems.append(f"{name}: volume {volume['name']} uses {sorted(kinds)}")
        if pod_context.get("runAsUser") == 0:
            problems.append(f"{name}: runAsUser 0")
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{name} container {container['name']}"
            context = container.get("securityContext", {})
            if context.get("privileged"):
                problems.append(f"{where}: privileged")
            if context.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation must be false")
            capabilities = context.get("capabilities", {})
            if "ALL" not in capabilities.get("drop", []):
                problems.append(f"{where}: capabilities must drop ALL")
            if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
                problems.append(f"{where}: adds capabilities {capabilities['add']}")
            if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
                problems.append(f"{where}: runAsNonRoot must be true")
            if context.get("runAsUser") == 0:
                problems.append(f"{where}: runAsUser 0")
            seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {}))
            if seccomp.get("type") not in {"RuntimeDefault", "Localhost"}:
                problems.append(f"{where}: seccompProfile must be RuntimeDefault")
            if any("hostPort" in port for port in container.get("ports", [])):
                problems.append(f"{where}: hostPort is not allowed")
    return problems


def hardening_problems(docs: list[dict]) -> list[str]:
    """This project's rules on top of "restricted"."""
    problems = []
    for workload, template in pod_templates(docs):
        name = ident(workload)
        spec = template["spec"]
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: automountServiceAccountToken must be false")
        mounts_needed = {"/tmp"}  # noqa: S108 - a mount path the pod needs, not a temp file
        for container in spec["containers"]:
            where = f"{name} container {container['name']}"
            context = container.get("securityContext", {})
            if context.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem must be true")
            resources = container.get("resources", {})
            for field in ("cpu", "memory"):
                if field not in resources.get("requests", {}):
                    problems.append(f"{where}: resources.requests.{field} is not set")
            if "memory" not in resources.get("limits", {}):
                problems.append(f"{where}: resources.limits.memory is not set")
            metrics_dir = _env_value(docs, template, container, "PROMETHEUS_MULTIPROC_DIR")
            writable = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
            for path in mounts_needed | ({metrics_dir} if metrics_dir else set()):
                if path not in writable:
                    problems.append(f"{where}: {path} must be a writable volume (the root is read-only)")
        if workload["kind"] == "Deployment":
            strategy = workload["spec"].get("strategy", {})
            if strategy.get("type") != "RollingUpdate":
                problems.append(f"{name}: strategy must be RollingUpdate")
            if strategy.get("rollingUpdate", {}).get("maxUnavailable") != 0:
                problems.append(f"{name}: rollingUpdate.maxUnavailable must be 0")
    return problems


def probe_problems(docs: list[dict]) -> list[str]:
    """Every container that listens has startup, readiness and liveness probes the app will accept."""
    problems = []
    for workload, template in pod_templates(docs):
        for container in template["spec"]["containers"]:
            if not container.get("ports"):
                continue
            where = f"{ident(workload)} container {container['name']}"
            allowed = (_env_value(docs, template, container, "ALLOWED_HOSTS") or "").split(",")
            expected = {"startupProbe": "/health/live", "readinessProbe": "/health/ready"}
            expected["livenessProbe"] = "/health/live"
            for probe_name, path in expected.items():
                probe = container.get(probe_name)
                if probe is None or "httpGet" not in probe:
                    problems.append(f"{where}: no HTTP {probe_name}")
                    continue
                get = probe["httpGet"]
                if get.get("path") != path:
                    problems.append(f"{where}: {probe_name} must GET {path}, not {get.get('path')}")
                if get.get("port") not in _container_port_names(template) | {
                    p["containerPort"] for p in container["ports"]
                }:
                    problems.append(f"{where}: {probe_name} port {get.get('port')!r} is not served")
                hosts = [h["value"] for h in get.get("httpHeaders", []) if h["name"].lower() == "host"]
                if not hosts:
                    problems.append(f"{where}: {probe_name} sends no Host header")
                elif hosts[0].split(":")[0] not in allowed:
                    problems.append(f"{where}: {probe_name} Host {hosts[0]!r} is not in ALLOWED_HOSTS")
    return problems


# --- network ----------------------------------------------------------------------------------------------

# Where the edge's proxies run: the namespace of the ingress controller of an ingress class, and Prometheus'.
INGRESS_CONTROLLER_NAMESPACES = {"nginx": "ingress-nginx"}
PROMETHEUS_NAMESPACE = "monitoring"
NAMESPACE_LABEL = "kubernetes.io/metadata.name"
# The widest network TRUSTED_PROXIES may name: a pod CIDR, never a whole private range.
WIDEST_TRUSTED = {4: 16, 6: 48}


def _is_backend(labels: dict) -> bool:
    return labels.get("app.kubernetes.io/component") == "backend"


def edge_namespaces(docs: list[dict]) -> set[str]:
    """The namespaces the edge's proxies run in: HTTPRoutes' Gateways, Ingresses' controllers."""
    found = set()
    for route in of_kind(docs, "HTTPRoute"):
        for ref in route["spec"].get("parentRefs", []):
            found.add(ref.get("namespace") or route["metadata"].get("namespace", "default"))
    for ingress in of_kind(docs, "Ingress"):
        found.add(INGRESS_CONTROLLER_NAMESPACES.get(ingress["spec"].get("ingressClassName", ""), "?"))
    return found


def network_problems(docs: list[dict]) -> list[str]:
    problems = []
    backend = [t for _, t in pod_templates(docs) if _is_backend(t["metadata"]["labels"])]
    policies = [
        policy
        for policy in of_kind(docs, "NetworkPolicy")
        if any(_policy_selects(policy["spec"]["podSelector"], t["metadata"]["labels"]) for t in backend)
    ]
    if not policies:
        problems.append("no NetworkPolicy selects the API pods: any pod could reach gunicorn directly")
    admitted: set[str] = set()
    for policy in policies:
        name = ident(policy)
        if "Ingress" not in policy["spec"].get("policyTypes", []):
            problems.append(f"{name}: policyTypes must include Ingress")
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from") or []
            if not peers:
                problems.append(f"{name}: an ingress rule without `from` admits every source")
            for peer in peers:
                if "ipBlock" in peer:
                    problems.append(f"{name}: admits an ipBlock; admit the edge's namespace instead")
                namespace = peer.get("namespaceSelector", {}).get("matchLabels", {}).get(NAMESPACE_LABEL)
                if not namespace:
                    problems.append(f"{name}: a peer must name its namespace ({NAMESPACE_LABEL})")
                else:
                    admitted.add(namespace)
    expected = edge_namespaces(docs) | {PROMETHEUS_NAMESPACE}
    for namespace in sorted(expected - admitted):
        problems.append(f"the API pods do not admit namespace {namespace} (the edge or Prometheus)")
    for namespace in sorted(admitted - expected):
        problems.append(f"the API pods admit namespace {namespace}, which is neither the edge nor Prometheus")

    for config_map in of_kind(docs, "ConfigMap"):
        data = config_map.get("data", {})
        if "NUM_PROXIES" in data:
            problems.append(f"{ident(config_map)}: NUM_PROXIES is gone; the app refuses to start with it")
        for entry in filter(None, (e.strip() for e in data.get("TRUSTED_PROXIES", "").split(","))):
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                problems.append(f"{ident(config_map)}: TRUSTED_PROXIES entry {entry!r} is no network")
                continue
            if network.prefixlen < WIDEST_TRUSTED[network.version]:
                problems.append(
                    f"{ident(config_map)}: TRUSTED_PROXIES trusts {entry}, wider than "
                    f"/{WIDEST_TRUSTED[network.version]}: clients in it could pick their address"
                )
    return problems


# --- edge routes ------------------------------------------------------------------------------------------


def public_prefixes() -> set[str]:
    """The first path segment of every route of the app (src/config/urls.py) the edge must route: all but
    the admin and /metrics, plus /static (the docs' assets)."""
    routes = re.findall(r'\bpath\(\s*"([^"/<]+)', URLS_FILE.read_text())
    return {f"/{route}" for route in routes} - {"/admin", "/metrics"} | {"/static"}


def routed_prefixes(doc: dict) -> list[str]:
    if doc["kind"] == "Ingress":
        return [
            path.get("path", "/")
            for rule in doc["spec"].get("rules", [])
            for path in rule.get("http", {}).get("paths", [])
        ]
    return [
        match.get("path", {}).get("value", "/")
        for rule in doc["spec"].get("rules", [])
        for match in rule.get("matches", [{}])
    ]


def edge_route_problems(docs: list[dict]) -> list[str]:
    """The Ingresses together (paths with other limits may have their own), and the HTTPRoutes together."""
    problems = []
    expected = public_prefixes()
    for kind in ("Ingress", "HTTPRoute"):
        edges = of_kind(docs, kind)
        if not edges:
            continue
        names = ", ".join(ident(doc) for doc in edges)
        routed = [prefix for doc in edges for prefix in routed_prefixes(doc)]
        prefixes = {prefix.rstrip("/") or "/" for prefix in routed}
        for prefix in sorted(prefixes - expected - {"/admin"}):
            problems.append(f"{names}: routes {prefix}, which is not a public path of the API")
        for prefix in sorted(expected - prefixes):
            problems.append(f"{names}: does not route {prefix}, a public path of the API")
        for prefix in sorted({prefix for prefix in routed if routed.count(prefix) > 1}):
            problems.append(f"{names}: routes {prefix} more than once")
    return problems


CHECKS = {
    "schema": schema_problems,
    "custom resources": crd_problems,
    "references": reference_problems,
    "pod security (restricted)": restricted_problems,
    "hardening": hardening_problems,
    "probes": probe_problems,
    "network": network_problems,
    "edge routes": edge_route_problems,
}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overlays", nargs="*", default=OVERLAYS, help=f"default: {' '.join(OVERLAYS)}")
    args = parser.parse_args(argv)
    failed = False
    for overlay in args.overlays:
        try:
            docs = render(overlay)
        except RenderError as error:
            say(f"FAIL {overlay}: {error}")
            failed = True
            continue
        kinds = sorted({doc["kind"] for doc in docs})
        say(f"{overlay}: {len(docs)} objects ({', '.join(kinds)})")
        for label, check in CHECKS.items():
            problems = check(docs)
            failed = failed or bool(problems)
            say(f"  {'ok  ' if not problems else 'FAIL'} {label}")
            for problem in problems:
                say(f"       - {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
