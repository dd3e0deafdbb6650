"""k8s/scripts/*.sh: strict bash, and deploy.sh and smoke.sh run against a stub kubectl and a local HTTP server."""
import http.server
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.integration.deploy_files import (
    SCRIPTS,
    _k8s_manifest_paths,
    _script,
    _yaml_documents,
)


# ---------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------
def _scripts() -> list[Path]:
    scripts = sorted(SCRIPTS.glob("*.sh"))
    assert {path.name for path in scripts} >= {"deploy.sh", "smoke.sh", "e2e.sh"}
    return scripts


@pytest.mark.parametrize("name", ["deploy.sh", "smoke.sh", "e2e.sh"])
def test_scripts_are_strict_bash_with_valid_syntax(name):
    path = _script(name)
    assert path in _scripts()
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    commands = [line for line in text.splitlines()[1:] if line.strip() and not line.startswith("#")]
    assert commands[0] == "set -euo pipefail", "set -euo pipefail must come before any command"
    assert os.access(path, os.X_OK), f"{name} is not executable"
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["deploy.sh", "smoke.sh", "e2e.sh"])
def test_scripts_print_usage_when_called_wrongly(name):
    result = subprocess.run(["bash", str(_script(name))], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Usage: {name} ")


def test_deploy_sh_applies_every_manifest():
    text = _script("deploy.sh").read_text()
    mentioned = set(re.findall(r"(?<![\w.-])([\w-]+\.yaml)(?![\w.])", text))
    assert mentioned == {path.name for path in _k8s_manifest_paths()}


STUB_KUBECTL = """#!/usr/bin/env bash
echo "$*" >>"$STUB_DIR/calls"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ ${args[i]} == -f ]]; then cp "${args[i+1]}" "$STUB_DIR/applied/"; fi
done
if [[ "$*" == *"get secret"* && -n ${STUB_NO_SECRET:-} ]]; then exit 1; fi
if [[ "$*" == *'type=="Complete"'* ]]; then echo True; fi
exit 0
"""


def _run_deploy(tmp_path: Path, **env) -> subprocess.CompletedProcess:
    stub = tmp_path / "kubectl"
    stub.write_text(STUB_KUBECTL)
    stub.chmod(0o755)
    (tmp_path / "applied").mkdir()
    environment = {**os.environ, "STUB_DIR": str(tmp_path), "KUBECTL": f"{stub} --context test", **env}
    return subprocess.run(
        ["bash", str(_script("deploy.sh")), "registry.acme.test/zargar:2.0.1", "shops.acme.test"],
        capture_output=True, text=True, timeout=60, env=environment,
    )


def test_deploy_sh_renders_the_manifests_and_migrates_before_rolling_out(tmp_path):
    result = _run_deploy(tmp_path)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert all(call.startswith("--context test ") for call in calls)
    applied = [re.search(r"-f \S*/([\w-]+\.yaml)", call).group(1) for call in calls if " apply -f " in call]
    assert set(applied) == {path.name for path in _k8s_manifest_paths()}
    assert applied.index("migrate-job.yaml") < min(
        applied.index(name) for name in ("web-deployment.yaml", "worker-deployment.yaml", "beat-deployment.yaml")
    )
    secret_check = next(i for i, call in enumerate(calls) if "get secret zargar-secrets" in call)
    assert secret_check < next(i for i, call in enumerate(calls) if "migrate-job.yaml" in call)
    delete_job = next(i for i, call in enumerate(calls) if "delete job zargar-migrate" in call)
    assert delete_job < next(i for i, call in enumerate(calls) if "migrate-job.yaml" in call)
    rollouts = [call.split()[-2] for call in calls if " rollout status " in call]
    assert rollouts == ["deployment/zargar-pgbouncer", "deployment/zargar-web", "deployment/zargar-worker",
                        "deployment/zargar-beat"]

    rendered = "\n".join(path.read_text() for path in (tmp_path / "applied").iterdir())
    assert "example.com" not in rendered
    docs = [doc for path in sorted((tmp_path / "applied").iterdir()) for doc in _yaml_documents(path)]
    images = {c["image"] for d in docs if d["kind"] in {"Deployment", "Job"} for c in d["spec"]["template"]["spec"]["containers"]}
    assert images == {"registry.acme.test/zargar:2.0.1"}
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    assert {rule["host"] for rule in ingress["spec"]["rules"]} == {"shops.acme.test", "*.shops.acme.test"}
    (config_map,) = [d for d in docs if d["kind"] == "ConfigMap"]
    assert config_map["data"]["ALLOWED_HOSTS"] == ".shops.acme.test,shops.acme.test,localhost"


def test_deploy_sh_stops_before_migrating_when_the_secret_is_missing(tmp_path):
    result = _run_deploy(tmp_path, STUB_NO_SECRET="1")
    assert result.returncode == 1
    assert "zargar-secrets is missing" in result.stderr
    assert "migrate-job.yaml" not in (tmp_path / "calls").read_text()


class _HealthHandler(http.server.BaseHTTPRequestHandler):
    ready = True

    def do_GET(self):
        ok = self.path == "/healthz" or (self.path == "/readyz" and self.ready)
        body = b'{"status": "ok"}' if ok else b'{"status": "unavailable"}'
        self.send_response(200 if ok else 503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("curl") is None, reason="smoke.sh needs curl")
@pytest.mark.parametrize("ready, code", [(True, 0), (False, 1)])
def test_smoke_sh_passes_only_when_both_endpoints_answer_ok(ready, code):
    handler = type("Handler", (_HealthHandler,), {"ready": ready})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        result = subprocess.run(
            ["bash", str(_script("smoke.sh")), host],
            capture_output=True, text=True, timeout=60, env={**os.environ, "SCHEME": "http"},
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == code, result.stdout + result.stderr
    assert f"ok    http://{host}/healthz" in result.stdout
    if ready:
        assert "smoke: all checks passed" in result.stdout
    else:
        assert f"FAIL  http://{host}/readyz -> HTTP 503" in result.stderr
