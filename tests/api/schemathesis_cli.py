"""
Schemathesis' own command line (`st run --checks all`) against the app
served over HTTP, and the shop it runs in: what tests/api/test_schema_cli.py
drives. The CLI, not the pytest plugin, because only the CLI runs every
phase (coverage, fuzzing, stateful) with every check, as an outsider would.
"""
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

ST = str(Path(sys.executable).with_name("st"))
ROOT = Path(__file__).resolve().parents[2]


# 413 is a refusal too: the push endpoint answers it for a body or batch over
# the limits (docs/sync-protocol.md); Schemathesis' default list of refusal
# statuses lacks it. Nothing else is added or relaxed.
#
# POST devices/enroll mints a credential (the device token) from a one-time
# code; a well-formed code that names no live code is 400
# `enrollment_code_invalid` by the protocol. Schemathesis itself accepts
# exactly 400/422 from an operation it knows mints credentials (an OAuth
# tokenUrl or a configured token endpoint, neither of which fits a one-time
# code), so that rule is stated here for this one operation.
# No cache kept between runs: each run starts from the same state (repeatable).
#
# Strings: no NUL. PostgreSQL text cannot hold one, and the API says so (the
# schema's description): every request with a NUL anywhere is 400
# `invalid_characters` (apps.core.input_guard / apps.core.parsers), which
# Schemathesis would otherwise count as a valid request refused.
# tests/core/test_fuzz_inputs.py sends NUL to every operation instead.
CONFIG = """
[cache]
enabled = false

[generation]
allow-x00 = false

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]

[[operations]]
include-path = "/api/pos/v1/devices/enroll"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429", "5xx"]

"""


@dataclass(frozen=True)
class FuzzShop:
    """Ids of real records, pinned as path parameters (in the config) and as
    the references in bodies (by the hooks, in every phase), so requests
    reach them: a random UUID names nothing, 404 in a path and 400 in a body
    ("No such category."), whatever the schema says."""

    parameters: dict
    references: dict
    device_token: str
    device_terminal_id: str


def fuzz_shop_seed(owner_email: str) -> FuzzShop:
    """A small shop's worth of data in the current schema, through the
    services: a ring in stock, a customer who bought one, a terminal for the
    staff API to play with and another whose device the POS run uses, and
    the customer's ring ready in the workshop."""
    from datetime import timedelta

    from apps.accounts.models import User
    from apps.branches.models import Branch
    from apps.branches.services import terminal_create
    from apps.customers.services import customer_create
    from apps.inventory.services import category_create, gold_rate_set, item_create
    from apps.pos_sync.services import device_enroll, enrollment_code_issue
    from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
    from apps.core.timezones import shop_today
    from apps.workshop.services import DepositInput, ServiceInput, repair_ticket_create, repair_ticket_move
    from tests.vectors import RING

    owner = User.objects.get(email=owner_email)
    branch = Branch.objects.order_by("created_at").first()
    category = category_create(name="Rings")
    gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750, effective_at=timezone.now() - timedelta(days=1))
    ring = item_create(**RING, sku="F-R-1", category=category, branch=branch, actor=owner, quantity=1, is_unique_piece=True)
    sold = item_create(**RING, sku="F-R-2", category=category, branch=branch, actor=owner, quantity=1, is_unique_piece=True)
    customer = customer_create(full_name="Fuzz Customer", phone="09121234500")
    lines = [LineInput(item_id=sold.pk)]
    sale = sale_create(actor=owner, branch=branch, customer=customer, lines=lines,
                       payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines).due)])
    staff_terminal = terminal_create(branch=branch, name="Staff API terminal")
    pos_terminal = terminal_create(branch=branch, name="POS run terminal")
    device = device_enroll(code=enrollment_code_issue(terminal=pos_terminal).code, name="POS run")
    ticket = repair_ticket_create(actor=owner, branch=branch, customer=customer, description="Fuzz ring", fineness=750,
                                  gross_weight=Decimal("3.250"), services=[ServiceInput("sizing", price=Decimal("1500000"))],
                                  promised_on=shop_today(), deposit=DepositInput("cash", Decimal("500000")))
    for to in ("in_work", "ready"):
        repair_ticket_move(actor=owner, ticket=ticket, to=to)
    ids = {"item_id": ring.pk, "customer_id": customer.pk, "sale_id": sale.pk, "terminal_id": staff_terminal.pk,
           "ticket_id": ticket.pk}
    references = {"branch_id": branch.pk, "category_id": category.pk, "parent_id": category.pk, "customer_id": customer.pk,
                  "terminal_id": staff_terminal.pk, "item_id": ring.pk, "sale_line_id": sale.lines.get().pk}
    return FuzzShop(
        parameters={f"path.{k}": str(v) for k, v in ids.items()},
        references={k: str(v) for k, v in references.items()},
        device_token=device.token, device_terminal_id=str(pos_terminal.pk),
    )


def st_run(*, schema_url: str, host: str, authorization: str, path_regex: str, parameters: dict, references: dict,
           report_dir: Path, max_examples: int, seed: int, timeout: int = 600) -> tuple[dict, str]:
    """One `st run --checks all` over the operations matching path_regex, one
    worker (requests in a fixed order: the run is repeatable);
    returns the JSON report and the printed output."""
    report_dir.mkdir(parents=True, exist_ok=True)
    config = report_dir / "schemathesis.toml"
    config.write_text(CONFIG + "[parameters]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in parameters.items()))
    report = report_dir / "report.json"
    done = subprocess.run(
        [ST, "--config-file", str(config), "run", schema_url,
         "-H", f"Host: {host}", "-H", f"Authorization: {authorization}",
         "--checks", "all", "--include-path-regex", path_regex,
         "--max-examples", str(max_examples), "--seed", str(seed), "--workers", "1", "--no-color",
         "--generation-database", "none",
         "--report", "json", "--report-json-path", str(report)],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks", "PYTHONPATH": str(ROOT),
             "ZARGAR_FUZZ_REFERENCES": json.dumps(references),
             "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    output = done.stdout + done.stderr
    (report_dir / "output.txt").write_text(output)
    if not report.exists():
        raise AssertionError(f"schemathesis wrote no report (exit {done.returncode}):\n{output}")
    return json.loads(report.read_text()), output
