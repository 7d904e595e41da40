"""Production settings: no default secret, and `check --deploy` passes with the README's environment; the
README's demo commands run as written."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-with-more-than-fifty-characters-0123456789",
    "ALLOWED_HOSTS": "shop.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "BEHIND_TLS_PROXY": "true",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    unset = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True
    )


def test_without_debug_there_is_no_default_secret_key():
    result = _manage("check", env={"DEBUG": "false"})

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_check_deploy_passes_with_the_documented_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_simulate_carriers_command_runs_as_written_in_a_fresh_shell():
    readme = (BASE_DIR / "README.md").read_text()
    written = re.search(r"`([^`]*manage\.py simulate_carriers[^`]*)`", readme).group(1)
    words = shlex.split(re.sub(r"\[[^]]*\]", "", written))  # without the optional [--flags]
    assignments = {}
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        assignments[name] = value
    shell = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}

    # --help loads the settings and the command, as a run does, without a database to set up.
    result = subprocess.run(
        [*words, "--help"], cwd=BASE_DIR, env={**shell, **assignments}, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert "--until-delivered" in result.stdout
