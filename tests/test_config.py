"""Configuration layers and the production refusals, as an operator meets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from careercenter import ConfigError, create_app
from careercenter.config import from_environment, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
STRONG = "q3J8x-Vv2KpL0aZr7TnB4yWc9UeH1sGdMf6oQiXk5RjN"


def start(env: dict[str, str], tmp_path: Path, command: str = "routes") -> subprocess.CompletedProcess[str]:
    """Run `flask --app wsgi <command>` in a clean environment, as an operator would."""
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CAREERCENTER_INSTANCE_PATH": str(tmp_path / "instance")}
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", command],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "production needs a strong SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "production needs a strong SECRET_KEY"),
        ({"SECRET_KEY": STRONG, "CAREERCENTER_DEV_LOGIN": "1"}, "the development login is on in production"),
        ({"SECRET_KEY": STRONG}, "production runs on PostgreSQL"),
        (
            {"SECRET_KEY": STRONG, "CAREERCENTER_ALLOW_SQLITE": "1", "CAREERCENTER_PUBLIC_URL": "http://x"},
            "CAREERCENTER_PUBLIC_URL must be the service's https:// address",
        ),
        ({"SECRET_KEY": STRONG, "DATABASE_URL": "not a url"}, "DATABASE_URL is malformed"),
        ({"SECRET_KEY": STRONG, "DATABASE_URL": "mysql://u@h/db"}, "only PostgreSQL (production) and SQLite"),
        ({"SECRET_KEY": STRONG, "CAREERCENTER_DEV_LOGIN": "maybe"}, "CAREERCENTER_DEV_LOGIN must be 1 or 0"),
    ],
)
def test_production_refuses_to_start_with_one_line(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    result = start(
        {"CAREERCENTER_ENV": "production", "CAREERCENTER_PUBLIC_URL": "https://careers.example.edu", **env}, tmp_path
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("careercenter: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_database_stops_start_up_with_one_line(tmp_path: Path) -> None:
    # Port 9 on loopback (discard) has nothing listening here.
    result = start({"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nothing"}, tmp_path, command="run")
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert (
        lines == [lines[0]]
        and "careercenter: database unreachable at postgresql+psycopg://nobody@127.0.0.1:9/nothing" in lines[0]
    )


def test_unmigrated_database_names_the_command(tmp_path: Path) -> None:
    result = start({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}, tmp_path, command="run")
    assert result.returncode != 0
    assert "the database has no tables yet: run: flask --app wsgi db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_with_good_settings_starts(tmp_path: Path) -> None:
    result = start(
        {
            "CAREERCENTER_ENV": "production",
            "CAREERCENTER_PUBLIC_URL": "https://careers.example.edu",
            "SECRET_KEY": STRONG,
            "CAREERCENTER_ALLOW_SQLITE": "1",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "/healthz" in result.stdout
    assert "/dev/login" not in result.stdout  # no development login in production


def test_development_secret_is_generated_once(tmp_path: Path) -> None:
    instance = tmp_path / "inst"
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    os.environ["CAREERCENTER_INSTANCE_PATH"] = str(instance)
    try:
        first = create_app(config).config["SECRET_KEY"]
        second = create_app(config).config["SECRET_KEY"]
    finally:
        os.environ.pop("CAREERCENTER_INSTANCE_PATH")
    assert first == second and len(first) >= 48
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_layer_reads_documented_names() -> None:
    config = from_environment(
        {
            "CAREERCENTER_ENV": "production",
            "CAREERCENTER_INSTITUTION_NAME": "Lakeside College",
            "CAREERCENTER_SESSION_IDLE_MINUTES": "15",
            "DATABASE_URL": "postgres://u@db/cc",
            "SECRET_KEY": "k",
        }
    )
    assert config["ENV_NAME"] == "production"
    assert config["INSTITUTION_NAME"] == "Lakeside College"
    assert config["SESSION_IDLE_MINUTES"] == 15
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgres://u@db/cc"
    assert normalise_database_url("postgres://u@db/cc") == "postgresql+psycopg://u@db/cc"


def test_bad_number_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match="CAREERCENTER_SMTP_PORT must be a whole number"):
        from_environment({"CAREERCENTER_SMTP_PORT": "twenty-five"})


def test_public_url_follows_the_listen_address_in_development(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`make run PORT=5101` (FLASK_RUN_PORT) writes links for 5101 unless the URL is set."""

    monkeypatch.delenv("CAREERCENTER_PUBLIC_URL", raising=False)
    monkeypatch.setenv("CAREERCENTER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FLASK_RUN_HOST", "0.0.0.0")
    monkeypatch.setenv("FLASK_RUN_PORT", "5101")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5101"
    # The development server's own address wins on the first request (`flask run --port 5102`).
    with app.test_request_context("/", environ_base={"werkzeug.socket": object(), "SERVER_NAME": "127.0.0.1"}) as ctx:
        ctx.request.environ.update(SERVER_NAME="127.0.0.1", SERVER_PORT="5102")
        app.preprocess_request()
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5102"
    chosen = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "x" * 40,
            "PUBLIC_URL": "http://a.test/",
        }
    )
    assert chosen.config["PUBLIC_URL"] == "http://a.test"
