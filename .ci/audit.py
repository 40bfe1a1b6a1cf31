"""Audit the locked versions with pip-audit; say plainly when its vulnerability database cannot be reached."""

import json
import subprocess
import sys
from pathlib import Path

lock = Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock")
pip_audit = Path(sys.executable).parent / "pip-audit"
result = subprocess.run(  # noqa: S603 - our own venv's pip-audit on our own lock file
    [str(pip_audit), "-r", str(lock), "--no-deps", "--disable-pip", "--format", "json", "--progress-spinner", "off"],
    capture_output=True,
    text=True,
    timeout=600,
)
try:
    report = json.loads(result.stdout or "{}")
except json.JSONDecodeError:
    report = {}
dependencies = report.get("dependencies", [])
audited = [dependency for dependency in dependencies if "skip_reason" not in dependency]
if not audited:
    reasons = [dependency["skip_reason"] for dependency in dependencies] or result.stderr.strip().splitlines()
    reason = reasons[0] if reasons else "no answer"
    print(f"pip-audit: the vulnerability database could not be reached ({reason}); NO AUDIT WAS DONE.")
    sys.exit(0)
vulnerable = [dependency for dependency in audited if dependency.get("vulns")]
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
skipped = len(dependencies) - len(audited)
print(f"pip-audit: {len(audited)} locked packages audited, {skipped} skipped, {len(vulnerable)} vulnerable.")
sys.exit(1 if vulnerable else 0)
