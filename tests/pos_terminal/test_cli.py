import json
import subprocess
import sys

import pytest

from pos_terminal.__main__ import main
from tests.pos_terminal.conftest import ROOT, catalogue_page, enrolled_store

COMMANDS = ["enroll", "status", "pull", "sell", "customer", "void", "push", "sync", "queue", "items"]


def test_help_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "pos_terminal", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for flag in ("--db", "--server", "--shop-host", *COMMANDS):
        assert flag in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert command in capsys.readouterr().out


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cli.sqlite"
    with enrolled_store(path) as store:
        store.pull_page_apply(catalogue_page())
    return str(path)


def test_sell_prints_the_receipt_and_queue_lists_it(db, capsys):
    assert main(["--db", db, "sell", "--item", "R-1", "--pay", "cash:50000000", "--pay", "card"]) == 0
    assert capsys.readouterr().out.strip() == "B1T1-000001"

    assert main(["--db", db, "--json", "queue"]) == 0
    [op] = json.loads(capsys.readouterr().out)
    assert (op["seq"], op["state"], op["type"]) == (1, "pending", "sale.create")
    assert op["payload"]["payments"] == [{"method": "cash", "amount": "50000000"}, {"method": "card", "amount": "3754400"}]

    assert main(["--db", db, "queue", "--state", "pending"]) == 0
    assert "B1T1-000001" in capsys.readouterr().out


def test_items_lists_the_price_now(db, capsys):
    assert main(["--db", db, "items"]) == 0
    assert "53754400" in capsys.readouterr().out


def test_errors_are_one_line_on_stderr_with_status_1(db, capsys):
    assert main(["--db", db, "sell", "--item", "NOPE"]) == 1
    assert "unknown item 'NOPE'" in capsys.readouterr().err
    assert main(["--db", db, "sell", "--item", "R-1", "--pay", "cash:1"]) == 1
    assert "add up" in capsys.readouterr().err
    assert main(["--db", db, "sell", "--item", "R-1"]) == 0
    # The remembered server does not resolve here: a clear error, and the sale stays queued.
    assert main(["--db", db, "--max-attempts", "2", "push"]) == 1
    assert "gave up after 2 attempts" in capsys.readouterr().err
    assert main(["--db", db, "--json", "queue", "--state", "pending"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
