"""`make run` on a machine without Node.js: scripts/frontend.sh must install
npm or stop with a clear message, never go on and serve a counter without its
scripts (issue 14, item 12)."""
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_without_npm_or_apt_it_stops_and_says_what_to_install(tmp_path):
    # A PATH with only what the script needs before it looks for npm: no npm, no apt-get.
    for tool in ("bash", "dirname", "id"):
        (tmp_path / tool).symlink_to(shutil.which(tool))
    before = sorted(p.name for p in (ROOT / "static").iterdir())
    result = subprocess.run(["bash", str(ROOT / "scripts" / "frontend.sh")], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": str(tmp_path), "HOME": os.environ.get("HOME", "/root")}, timeout=60)
    assert result.returncode == 1
    assert "npm (Node.js 18 or newer) is missing" in result.stderr
    assert "apt-get install nodejs npm" in result.stderr
    assert "plain forms" not in result.stdout + result.stderr
    assert sorted(p.name for p in (ROOT / "static").iterdir()) == before
