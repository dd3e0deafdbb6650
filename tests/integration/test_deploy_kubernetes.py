"""Static checks of the Kubernetes manifests."""
import re

from tests.integration.deploy_files import (
    APP_UID,
    COMPOSE,
    PLACEHOLDER,
    PRODUCTION_VARIABLES,
    ROOT,
    SECRET_NAME,
    _config_data,
    _containers,
    _dockerfile_instructions,
    _environment,
    _k8s_documents,
    _k8s_manifest_paths,
    _named,
    _of_kind,
    _pod_spec,
    _script,
    _script_constant,
    _secret_data,
    _services,
    _workloads,
    _yaml_documents,
)


# ---------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------
def test_every_manifest_has_identity_and_one_namespace():
    docs = _k8s_documents()
    namespaces = [doc for doc in docs if doc["kind"] == "Namespace"]
    assert len(namespaces) == 1
    namespace = namespaces[0]["metadata"]["name"]
    seen = set()
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), doc
        key = (doc["kind"], doc["metadata"]["name"])
        assert key not in seen, f"{key} is defined twice"
        seen.add(key)
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == namespace, f"{key} is not in namespace {namespace}"
    kinds = {doc["kind"] for doc in docs}
    assert {
        "Namespace", "ConfigMap", "Secret", "Deployment", "Job", "Service",
        "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
    } <= kinds
    assert {doc["metadata"]["name"] for doc in _of_kind("Deployment")} == {
        "zargar-web", "zargar-worker", "zargar-beat", "zargar-pgbouncer"}


def test_deployment_selectors_match_their_pod_labels():
    for deployment in _of_kind("Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector and selector.items() <= labels.items(), deployment["metadata"]["name"]
    # No two Deployments select each other's pods.
    selectors = [tuple(sorted(d["spec"]["selector"]["matchLabels"].items())) for d in _of_kind("Deployment")]
    assert len(set(selectors)) == len(selectors)


def test_containers_have_resources_and_run_locked_down():
    for workload in _workloads():
        name = workload["metadata"]["name"]
        pod = _pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"].get("runAsUser", APP_UID) == APP_UID, name
        volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
        for container in _containers(workload):
            where = f"{name}/{container['name']}"
            resources = container.get("resources", {})
            for section in ("requests", "limits"):
                assert {"cpu", "memory"} <= resources.get(section, {}).keys(), f"{where}: no {section}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            if security.get("readOnlyRootFilesystem"):
                mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
                assert "/tmp" in mounts and "emptyDir" in volumes[mounts["/tmp"]], f"{where}: read-only root needs /tmp"
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{where}: mounts unknown volume {mount['name']}"


def test_all_workloads_run_the_image_that_deploy_sh_replaces():
    placeholder = _script_constant("deploy.sh", "IMAGE_PLACEHOLDER")
    images = {container["image"] for workload in _workloads() for container in _containers(workload)}
    assert images == {placeholder}


def test_web_has_health_probes_on_its_http_port():
    web = _named("Deployment", "zargar-web")
    (container,) = _pod_spec(web)["containers"]
    port_names = {port["name"] for port in container["ports"]}
    port_numbers = {port["containerPort"] for port in container["ports"]}
    expected_paths = {"readinessProbe": "/readyz", "livenessProbe": "/healthz", "startupProbe": "/healthz"}
    allowed_hosts = _config_data()["ALLOWED_HOSTS"].split(",")
    for probe_name, path in expected_paths.items():
        probe = container.get(probe_name)
        if probe is None and probe_name == "startupProbe":
            continue
        assert probe, f"web has no {probe_name}"
        http_get = probe["httpGet"]
        assert http_get["path"] == path
        assert http_get["port"] in port_names | port_numbers
        host = {h["name"]: h["value"] for h in http_get.get("httpHeaders", [])}.get("Host")
        assert host in allowed_hosts, f"{probe_name} sends Host {host!r}, which ALLOWED_HOSTS rejects (HTTP 400)"
    assert any(port["containerPort"] == 8000 for port in container["ports"])
    assert "--bind=0.0.0.0:8000" in container["args"]
    assert container["args"][0] == "config.wsgi:application" and container["command"] == ["gunicorn"]


def test_worker_and_beat_commands_and_beat_is_a_singleton():
    worker = _named("Deployment", "zargar-worker")
    beat = _named("Deployment", "zargar-beat")
    for deployment, role in ((worker, "worker"), (beat, "beat")):
        (container,) = _pod_spec(deployment)["containers"]
        assert container["command"] == ["celery"]
        assert container["args"][:3] == ["-A", "config.celery_app", role]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"


def test_migration_job_never_restarts_in_place():
    (job,) = _of_kind("Job")
    assert _pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}
    assert job["spec"].get("backoffLimit", 6) <= 2


def test_environment_references_resolve():
    config_names = {doc["metadata"]["name"] for doc in _of_kind("ConfigMap")}
    secret_names = {doc["metadata"]["name"] for doc in _of_kind("Secret")}
    claim_names = {doc["metadata"]["name"] for doc in _of_kind("PersistentVolumeClaim")}
    variables = set(_config_data()) | set(_secret_data())
    for workload in _workloads():
        name = workload["metadata"]["name"]
        for volume in _pod_spec(workload).get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claim_names, name
        for container in _containers(workload):
            sources = container.get("envFrom", [])
            assert {"configMapRef": {"name": "zargar-config"}} in sources, f"{name}: no ConfigMap"
            assert {"secretRef": {"name": "zargar-secrets"}} in sources, f"{name}: no Secret"
            for source in sources:
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_names
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secret_names
            defined = variables | {entry["name"] for entry in container.get("env", [])}
            for variable in re.findall(r"\$\(([A-Z_][A-Z0-9_]*)\)", " ".join(container.get("args", []))):
                assert variable in defined, f"{name}: $({variable}) is not defined"
            assert not PRODUCTION_VARIABLES - defined, f"{name} lacks {sorted(PRODUCTION_VARIABLES - defined)}"


def test_every_configured_variable_is_read_by_something():
    """A key nobody reads is a typo or a leftover."""
    settings_text = "\n".join(path.read_text() for path in (ROOT / "config").rglob("*.py"))
    read_by_settings = set(re.findall(r"env(?:_bool|_list)?\(\s*\"([A-Z_][A-Z0-9_]*)\"", settings_text))
    manifests_text = "\n".join(path.read_text() for path in _k8s_manifest_paths())
    used_in_args = set(re.findall(r"\$\(([A-Z_][A-Z0-9_]*)\)", manifests_text))
    # Read by Django itself (DJANGO_SETTINGS_MODULE) or by gunicorn (FORWARDED_ALLOW_IPS).
    read_by_tools = {"DJANGO_SETTINGS_MODULE", "FORWARDED_ALLOW_IPS"}
    known = read_by_settings | used_in_args | read_by_tools
    for key in list(_config_data()) + list(_secret_data()):
        assert key in known, f"nothing reads {key}"
    compose_env = _environment(_services(COMPOSE)["web"])
    image_cmd = " ".join(arguments for instruction, arguments in _dockerfile_instructions() if instruction == "CMD")
    for key in compose_env:
        assert key in known or "${%s}" % key in image_cmd, f"nothing reads {key} in docker-compose.yml"


def test_configmap_holds_no_secret_and_allows_the_ingress_hosts():
    data = _config_data()
    for key in data:
        assert not SECRET_NAME.search(key), f"{key} belongs in the Secret"
    assert data["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    allowed_hosts = data["ALLOWED_HOSTS"].split(",")
    public_domains = data["PUBLIC_DOMAINS"].split(",")
    (ingress,) = _of_kind("Ingress")
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    wildcards = [host for host in hosts if host.startswith("*.")]
    assert wildcards, "shops need a wildcard host"
    for host in hosts:
        if host.startswith("*."):
            parent = host[2:]
            assert parent in hosts, f"the platform host {parent} is not routed"
            assert f".{parent}" in allowed_hosts, f"ALLOWED_HOSTS does not allow shops under {parent}"
            assert f"https://*.{parent}" in data["CSRF_TRUSTED_ORIGINS"].split(",")
        else:
            assert host in public_domains and host in allowed_hosts, host
    domain = _script_constant("deploy.sh", "DOMAIN_PLACEHOLDER")
    assert all(host == domain or host.endswith(f".{domain}") for host in hosts), "deploy.sh would not rename every host"
    tls_hosts = {host for entry in ingress["spec"].get("tls", []) for host in entry["hosts"]}
    assert set(hosts) <= tls_hosts


def test_services_select_a_deployment_and_ingress_backends_exist():
    deployments = _of_kind("Deployment")
    services = {doc["metadata"]["name"]: doc for doc in _of_kind("Service")}
    for service in services.values():
        selector = service["spec"]["selector"]
        matching = [d for d in deployments if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matching) == 1, f"Service {service['metadata']['name']} selects {len(matching)} Deployments"
        container_ports = {
            port.get("name") for c in _pod_spec(matching[0])["containers"] for port in c.get("ports", [])
        } | {port["containerPort"] for c in _pod_spec(matching[0])["containers"] for port in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port.get("targetPort", port["port"]) in container_ports
    (ingress,) = _of_kind("Ingress")
    backends = [
        path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]
    ]
    assert backends
    for backend in backends:
        assert backend["name"] in services, f"Ingress points at unknown Service {backend['name']}"
        ports = services[backend["name"]]["spec"]["ports"]
        wanted = backend["port"]
        assert any(
            ("name" in wanted and port.get("name") == wanted["name"]) or port["port"] == wanted.get("number")
            for port in ports
        ), f"Service {backend['name']} has no port {wanted}"


def test_autoscaler_and_disruption_budget_cover_web():
    web = _named("Deployment", "zargar-web")
    (hpa,) = _of_kind("HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "zargar-web")
    assert "replicas" not in web["spec"], "the autoscaler owns web's replica count"
    (pdb,) = _of_kind("PodDisruptionBudget")
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    # Drains can always evict at least one pod.
    assert hpa["spec"]["minReplicas"] > pdb["spec"]["minAvailable"]
    assert hpa["spec"]["maxReplicas"] >= hpa["spec"]["minReplicas"]


def test_secret_template_holds_only_placeholders_and_is_never_applied_by_accident():
    (secret,) = _of_kind("Secret")
    assert not secret.get("data"), "use stringData with placeholders, never base64 values"
    values = secret["stringData"]
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= values.keys()
    for key, value in values.items():
        assert PLACEHOLDER in value, f"{key} is not a placeholder"
    # Even if applied as is, production settings refuse the placeholder key.
    assert len(values["SECRET_KEY"]) < 50
    # `kubectl apply -f k8s/` only reads *.yaml/*.yml/*.json: the template stays out.
    for path in _k8s_manifest_paths():
        assert all(doc["kind"] != "Secret" for doc in _yaml_documents(path)), f"{path.name} holds a Secret"
    apply_lines = re.findall(r"^apply .*$", _script("deploy.sh").read_text(), re.M)
    assert apply_lines and not any("secret" in line for line in apply_lines)
