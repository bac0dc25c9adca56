"""Operating on PostgreSQL: `practica check` and `practica run` with a PostgreSQL URL (a real server)."""

from __future__ import annotations

from tests.core.test_config_and_cli import run_cli, write


def test_check_accepts_a_reachable_database_given_through_the_environment(tmp_path, pg_dsn):
    secret = pg_dsn.replace("practica@", "practica:s3cret-pw@")  # trust auth: the password is not needed
    path = write(tmp_path, """
        [practica]
        database = { "$env" = "PRACTICA_DATABASE_URL" }
        [adapters.console]
    """)
    result = run_cli("check", "--config", str(path), env={"PRACTICA_DATABASE_URL": secret})
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout and "s3cret-pw" not in result.stdout + result.stderr


def test_check_refuses_a_malformed_or_unreachable_database_url_in_one_plain_line(tmp_path, practica_pg):
    cases = {
        "postgresql://practica@127.0.0.1:notaport/db": "malformed",
        "postgresql://practica@127.0.0.1:1/practica": "cannot reach the PostgreSQL server",
        "postgresql://practica:pw@127.0.0.1/": "names no database",
        f"postgresql://practica:hidden-pw@127.0.0.1:{practica_pg.port}/no_such_db": "refused",
    }
    for url, message in cases.items():
        path = write(tmp_path, f"""
            [practica]
            database = "{url}"
            [adapters.console]
        """)
        result = run_cli("check", "--config", str(path))
        assert result.returncode == 1, url
        assert message in result.stderr, (url, result.stderr)
        assert "Traceback" not in result.stderr and "hidden-pw" not in result.stderr


def test_run_on_postgresql_answers_and_keeps_what_it_stored(tmp_path, pg_dsn):
    path = write(tmp_path, f"""
        [practica]
        database = "{pg_dsn}"
        [adapters.console]
        [dashboard]
        enabled = false
    """)
    first = run_cli("run", "--config", str(path), stdin="/poll Best day? | Monday | Friday\n")
    assert first.returncode == 0, first.stderr
    assert "Best day?" in first.stdout
    again = run_cli("run", "--config", str(path), stdin="/polls\n")
    assert again.returncode == 0, again.stderr
    assert "Best day?" in again.stdout  # stored in PostgreSQL, found by the next start
    assert not list(tmp_path.glob("*.db"))  # no SQLite file was made


def test_migrate_copies_a_sqlite_community_to_postgresql_and_refuses_a_filled_target(tmp_path, pg_dsn):
    lite = write(tmp_path, """
        [practica]
        database = "practica.db"
        [adapters.console]
        [dashboard]
        enabled = false
    """)
    made = run_cli("run", "--config", str(lite), stdin="/poll Best day? | Monday | Friday\n/poll Which module? | PPH | HBB\n")
    assert made.returncode == 0 and "Which module?" in made.stdout, made.stderr
    moved = run_cli("migrate", "--from", str(tmp_path / "practica.db"), "--to", pg_dsn, "--config", str(lite))
    assert moved.returncode == 0, moved.stderr
    assert "polls_polls" in moved.stdout and "the counts match" in moved.stdout and "MISMATCH" not in moved.stdout
    again = run_cli("migrate", "--from", str(tmp_path / "practica.db"), "--to", pg_dsn, "--config", str(lite))
    assert again.returncode == 1 and "already holds rows" in again.stderr and "--force" in again.stderr
    forced = run_cli("migrate", "--from", str(tmp_path / "practica.db"), "--to", pg_dsn, "--config", str(lite), "--force")
    assert forced.returncode == 0, forced.stderr

    pg = tmp_path / "pg"
    pg.mkdir()
    on_pg = write(pg, f"""
        [practica]
        database = "{pg_dsn}"
        [adapters.console]
        [dashboard]
        enabled = false
    """)
    after = run_cli("run", "--config", str(on_pg), stdin="/polls\n/poll Third one? | A | B\n")
    assert after.returncode == 0, after.stderr
    assert "Best day?" in after.stdout and "Which module?" in after.stdout  # the copied polls
    assert "#3" in after.stdout  # a new poll continues the numbering: no id is handed out twice
