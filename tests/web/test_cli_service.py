"""The service's commands: ``serve --help``, ``db upgrade``, ``user add``, bad settings, and
``verbund demo`` — where a newcomer sees live numbers move within seconds."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import new_postgres_database
from tests.web.server import VERBUND, free_port
from verbund.cli import app
from verbund.service.accounts import verify_login
from verbund.service.settings import SettingsError, load_settings
from verbund.store import get_user, head_revision, open_database, schema_revision, sqlite_url

runner = CliRunner()


def test_serve_help_lists_every_setting_with_its_environment_variable() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for variable in (
        "VERBUND_DATABASE_URL",
        "VERBUND_SECRET_KEY",
        "VERBUND_PORT",
        "VERBUND_MAX_PENDING",
        "VERBUND_MAX_INFLIGHT",
        "VERBUND_SNAPSHOT_EVERY",
        "VERBUND_LOG_LEVEL",
        "VERBUND_CHAT_STARTS",
        "VERBUND_CHAT_MESSAGES",
        "VERBUND_TRUSTED_PROXIES",
    ):
        assert variable in result.stdout


def test_db_upgrade_migrates_a_postgresql_database_to_head() -> None:
    with new_postgres_database() as url:
        result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
        assert result.exit_code == 0, result.stdout + result.stderr
        assert f"revision {head_revision()}" in result.stdout
        with open_database(url) as database:
            assert schema_revision(database) == head_revision()


def test_user_add_stores_an_argon2_hash_that_logs_in(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "v.db")
    result = runner.invoke(
        app,
        ["user", "add", "chefin", "--role", "supervisor", "--provider", "A", "--database-url", url],
        env={"VERBUND_PASSWORD": "ein-gutes-passwort"},
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "user chefin added: supervisor of provider A" in result.stdout
    with open_database(url) as database:
        user = get_user(database, "chefin")
        assert user is not None
        assert user.password_hash.startswith("$argon2")
        assert verify_login(database, "chefin", "ein-gutes-passwort").role == "supervisor"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--role", "boss", "--provider", "A"], "role 'boss'"),
        (["--role", "agent"], "name the provider"),
        (["--role", "coordinator", "--provider", "A"], "belongs to no provider"),
    ],
)
def test_user_add_refuses_bad_roles_with_one_line(
    tmp_path: Path, args: list[str], words: str
) -> None:
    url = sqlite_url(tmp_path / "v.db")
    result = runner.invoke(
        app,
        ["user", "add", "x", *args, "--database-url", url],
        env={"VERBUND_PASSWORD": "ein-gutes-passwort"},
    )
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_short_password_is_refused(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "v.db")
    result = runner.invoke(
        app,
        ["user", "add", "x", "--role", "coordinator", "--database-url", url],
        env={"VERBUND_PASSWORD": "kurz"},
    )
    assert result.exit_code == 2
    assert "at least 8 characters" in result.stderr


def test_settings_come_from_file_then_environment_then_options(tmp_path: Path) -> None:
    path = tmp_path / "verbund.toml"
    path.write_text('port = 9001\nlog_level = "debug"\nmax_pending = 77\n')
    settings = load_settings(path, {"VERBUND_PORT": "9002"}, max_pending=None)
    assert (settings.port, settings.log_level, settings.max_pending) == (9002, "debug", 77)
    assert load_settings(path, {"VERBUND_PORT": "9002"}, port=9003).port == 9003


def test_trusted_proxies_are_addresses_networks_everybody_or_nobody() -> None:
    def allowed(value: str) -> list[str]:
        return load_settings(None, {"VERBUND_TRUSTED_PROXIES": value}).forwarded_allow_ips()

    assert load_settings(None, {}).forwarded_allow_ips() == ["127.0.0.1", "::1"]
    assert allowed(" 10.0.0.0/8 , 192.0.2.7") == ["10.0.0.0/8", "192.0.2.7"]
    assert allowed("*") == ["*"]
    assert allowed("none") == []


@pytest.mark.parametrize(
    ("text", "environ", "words"),
    [
        ("colour = 1\n", {}, "unknown setting 'colour'"),
        ("port = \n", {}, "not valid TOML"),
        ("", {"VERBUND_PORT": "achtzig"}, "VERBUND_PORT: 'achtzig' is not a whole number"),
        ("", {"VERBUND_PORT": "70000"}, "port 70000: expected 1 to 65535"),
        ("", {"VERBUND_LOG_LEVEL": "loud"}, "log_level 'loud'"),
        ("", {"VERBUND_DATABASE_URL": "nonsense"}, "not a database URL"),
        (
            "",
            {"VERBUND_TRUSTED_PROXIES": "10.0.0.0/8,proxy.intern"},
            "trusted_proxies: 'proxy.intern' is not an IP address or network",
        ),
        ('trusted_proxies = " , "\n', {}, "trusted_proxies: empty; write none"),
    ],
)
def test_bad_settings_say_which_and_what_is_expected(
    tmp_path: Path, text: str, environ: dict[str, str], words: str
) -> None:
    path = tmp_path / "verbund.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=words.replace("(", r"\(")):
        load_settings(path, environ)


def test_serve_with_a_bad_setting_exits_2_with_one_line() -> None:
    result = runner.invoke(app, ["serve"], env={"VERBUND_MAX_PENDING": "0"})
    assert result.exit_code == 2
    assert "max_pending 0: expected at least 1" in result.stderr


@contextlib.contextmanager
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = subprocess.Popen(
        [str(VERBUND), "demo", "--port", str(port), "--database", str(tmp_path / "demo.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        start_new_session=True,
    )
    try:
        yield process, port
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def test_the_demo_prints_its_logins_and_its_numbers_move_within_seconds(tmp_path: Path) -> None:
    with demo(tmp_path) as (process, port):
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed.append(line)
            if "Stop with Ctrl-C" in line:
                break
        text = "".join(printed)
        assert f"http://127.0.0.1:{port}/" in text
        assert "koordination" in text
        assert "demo-passwort" in text
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "koordination", "password": "demo-passwort"},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = httpx.get(f"{base}/api/v1/hotlines/116117/state", headers=headers).json()
            if state["totals"]["answered"] >= 2:
                break
            time.sleep(0.5)
        assert state["totals"]["answered"] >= 2, state["totals"]
        assert sum(state["agents"]["alliance"].values()) >= 20
        assert state["agents"]["alliance"]["logged_out"] <= 1  # only anna, left for a person
