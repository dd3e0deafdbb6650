"""One shop exported to a file and restored (issue 13, item 3): under a new
name and domain beside the original, under its own name after the original
is dropped, and refused (nothing written) for every bad input."""
import io
import json
import tarfile
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_exists

from apps.core.errors import ApplicationError
from apps.core.models import OutboxEvent
from apps.inventory.models import StockMovement
from apps.sales.models import Sale
from apps.tenancy.models import Domain, Tenant
from apps.tenancy.shop_backup import shop_export, shop_restore
from tests.conftest import drop_shops_committed, in_shop, run_committed
from tests.helpers import shop_of_its_own
from tests.vectors import PLAIN_RING


def _contents():
    """What a shop holds, as Django reads it in the current schema."""
    return {
        "sales": sorted((str(s.pk), s.receipt_number, str(s.total)) for s in Sale.objects.all()),
        "movements": StockMovement.objects.count(),
        "outbox": sorted(str(e.pk) for e in OutboxEvent.objects.all()),
    }


@pytest.fixture
def sold_shop(db):
    """A committed shop with three sales (so stock ledger rows and outbox events)."""
    from apps.inventory.services import gold_rate_set, item_create
    from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote

    tag = uuid.uuid4().hex[:8]

    def build():
        tenant, owner, branch, category = shop_of_its_own(f"bk-{tag}", f"Backup {tag}")
        gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750)
        item = item_create(**PLAIN_RING, actor=owner, category=category, branch=branch, stone_value=Decimal("0"),
                           sku="RING", name="Ring", quantity=10)
        for _ in range(3):
            lines = [LineInput(item_id=item.pk)]
            sale_create(actor=owner, branch=branch, lines=lines,
                        payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines).due)])
        return tenant, _contents()

    tenant, contents = run_committed(build)
    assert len(contents["sales"]) == 3 and contents["movements"] >= 4 and contents["outbox"]
    yield tenant, contents
    drop_shops_committed(schema_name__startswith=f"bk_{tag}")
    drop_shops_committed(schema_name__startswith=f"rs_{tag}")


def _restore(**kwargs) -> Tenant:
    return run_committed(shop_restore, **kwargs)


def test_restored_under_a_new_name_serves_the_same_sales_and_the_original_is_untouched(sold_shop, tmp_path):
    tenant, contents = sold_shop
    path = run_committed(shop_export, tenant=tenant, path=tmp_path / "shop.tar.gz")
    tag = tenant.schema_name.removeprefix("bk_")
    copy = _restore(path=path, schema=f"rs_{tag}", domains=[f"rs-{tag}.localhost", f"www.rs-{tag}.localhost"])

    assert copy.schema_name == f"rs_{tag}" and copy.pk != tenant.pk and copy.name == tenant.name
    assert copy.currency == tenant.currency and copy.vat_percent == tenant.vat_percent
    assert sorted(Domain.objects.filter(tenant=copy).values_list("domain", "is_primary")) == [
        (f"rs-{tag}.localhost", True), (f"www.rs-{tag}.localhost", False)]
    assert in_shop(copy, _contents) == contents
    assert in_shop(tenant, _contents) == contents
    assert list(Domain.objects.filter(tenant=tenant).values_list("domain", flat=True)) == [f"bk-{tag}.localhost"]
    # The copy is a shop like any other: its sequences go on, it sells again, the original does not see it.
    from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote

    def sell_again():
        from apps.accounts.models import User
        from apps.branches.models import Branch
        from apps.inventory.models import Item

        lines = [LineInput(item_id=Item.objects.get(sku="RING").pk)]
        return sale_create(actor=User.objects.get(email=f"owner@bk-{tag}.test"), branch=Branch.objects.get(name="Main"),
                           lines=lines, payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines).due)])

    in_shop(copy, sell_again)
    assert len(in_shop(copy, _contents)["sales"]) == 4
    assert in_shop(tenant, _contents) == contents


def test_restored_under_its_own_name_after_the_original_is_dropped(sold_shop, tmp_path):
    tenant, contents = sold_shop
    # Not on the test's connection: its transaction would keep locks on the schema the drop below needs.
    out = io.StringIO()
    run_committed(call_command, "export_shop", f"bk-{tenant.schema_name.removeprefix('bk_')}.localhost",
                  output=str(tmp_path / "s.tar.gz"), stdout=out)
    assert out.getvalue().splitlines()[-1] == str(tmp_path / "s.tar.gz")
    domains = list(Domain.objects.filter(tenant=tenant).values_list("domain", flat=True))
    drop_shops_committed(schema_name=tenant.schema_name)
    assert not Tenant.objects.filter(schema_name=tenant.schema_name).exists() and not schema_exists(tenant.schema_name)

    out = io.StringIO()
    run_committed(call_command, "restore_shop", str(tmp_path / "s.tar.gz"), stdout=out)
    assert out.getvalue().splitlines()[-1] == tenant.schema_name
    back = Tenant.objects.get(schema_name=tenant.schema_name)
    assert list(Domain.objects.filter(tenant=back).values_list("domain", flat=True)) == domains
    assert in_shop(back, _contents) == contents


def _export_with(tmp_path, path, **changes):
    """A copy of the export at `path` with manifest keys changed (None: removed)."""
    with tarfile.open(path) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        sql = archive.extractfile("schema.sql").read()
    for key, value in changes.items():
        if value is None:
            manifest.pop(key)
        else:
            manifest[key] = value
    target = tmp_path / f"changed-{uuid.uuid4().hex[:6]}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for name, data in (("manifest.json", json.dumps(manifest).encode()), ("schema.sql", sql)):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return target


def test_bad_inputs_are_refused_and_nothing_is_written(sold_shop, tmp_path):
    tenant, _ = sold_shop
    path = run_committed(shop_export, tenant=tenant, path=tmp_path / "shop.tar.gz")
    tag = tenant.schema_name.removeprefix("bk_")
    shops, domains = Tenant.objects.count(), Domain.objects.count()
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a tar file")
    plain_tar = tmp_path / "plain.tar.gz"
    with tarfile.open(plain_tar, "w:gz") as archive:
        archive.addfile(tarfile.TarInfo("other.txt"), io.BytesIO(b""))
    old_release = _export_with(tmp_path, path, migrations=json.loads(json.dumps(
        [m for m in run_committed(_migrations, tenant) if not m.startswith("sales.")] + ["sales.9999_from_the_future"])))
    cases = [
        (dict(path=path), "schema_taken"),  # its own name: the original is still there
        (dict(path=path, schema=f"rs_{tag}"), "domain_taken"),  # its own domain too
        (dict(path=path, schema="public", domains=[f"rs-{tag}.localhost"]), "invalid_schema"),
        (dict(path=path, schema="Bad-Name", domains=[f"rs-{tag}.localhost"]), "invalid_schema"),
        (dict(path=path, schema=f"rs_{tag}", domains=["not a host"]), "invalid_domain"),
        (dict(path=path, schema=f"rs_{tag}", domains=[f"rs-{tag}.localhost", "shop-a.localhost"]), "domain_taken"),
        (dict(path=tmp_path / "missing.tar.gz"), "not_found"),
        (dict(path=garbage), "not_an_export"),
        (dict(path=plain_tar), "not_an_export"),
        (dict(path=_export_with(tmp_path, path, format="something-else")), "not_an_export"),
        (dict(path=_export_with(tmp_path, path, tenant=None)), "not_an_export"),
        (dict(path=old_release, schema=f"rs_{tag}", domains=[f"rs-{tag}.localhost"]), "migration_mismatch"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as caught:
            _restore(**kwargs)
        assert caught.value.code == code, (kwargs, caught.value.message)
        assert caught.value.message
    assert "migrate_schemas" in _refusal(old_release, tag)
    assert (Tenant.objects.count(), Domain.objects.count()) == (shops, domains)
    assert not schema_exists(f"rs_{tag}")
    # The command says the same, as an error, never a traceback.
    with pytest.raises(CommandError, match="not_an_export"):
        call_command("restore_shop", str(garbage))
    with pytest.raises(CommandError, match="No shop"):
        call_command("export_shop", "no-such-shop.localhost", output=str(tmp_path / "x.tar.gz"))


def _migrations(tenant):
    from apps.tenancy.blueprint import migrations_applied

    return migrations_applied(tenant.schema_name)


def _refusal(path, tag) -> str:
    with pytest.raises(ApplicationError) as caught:
        _restore(path=path, schema=f"rs_{tag}", domains=[f"rs-{tag}.localhost"])
    return caught.value.message


def test_a_restore_that_fails_midway_leaves_nothing(sold_shop, tmp_path):
    """SQL that breaks after the schema and the rows are made: all rolled back."""
    tenant, _ = sold_shop
    path = run_committed(shop_export, tenant=tenant, path=tmp_path / "shop.tar.gz")
    with tarfile.open(path) as archive:
        manifest = archive.extractfile("manifest.json").read()
        sql = archive.extractfile("schema.sql").read() + b"\nSELECT * FROM no_such_table;\n"
    broken = tmp_path / "broken.tar.gz"
    with tarfile.open(broken, "w:gz") as archive:
        for name, data in (("manifest.json", manifest), ("schema.sql", sql)):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    tag = tenant.schema_name.removeprefix("bk_")
    shops = Tenant.objects.count()
    with pytest.raises(ApplicationError) as caught:
        _restore(path=broken, schema=f"rs_{tag}", domains=[f"rs-{tag}.localhost"])
    assert caught.value.code == "restore_failed"
    assert Tenant.objects.count() == shops and not schema_exists(f"rs_{tag}")
    assert not Domain.objects.filter(domain=f"rs-{tag}.localhost").exists()
    assert connection.schema_name == "public"
