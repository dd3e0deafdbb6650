"""
One shop out of the database and back: `shop_export` writes one file, a
gzipped tar of

  manifest.json  the format, the shop's schema and migration state (the
                 migrations applied to its schema), its tenant row and its
                 domain rows;
  schema.sql     pg_dump's plain SQL of the shop's schema (apps.tenancy.schema_sql).

`shop_restore` brings it back under its own schema name or a new one, with
its own domains or new ones: schema, tenant row and domain rows in one
transaction, all or nothing. It refuses, before writing anything, a file
that is not an export, a schema or domain that is taken, and an export made
at another migration state than this deployment's template (its tables
would not be what the code expects).

A whole-database pg_dump locks every table of every shop in one transaction
and stops working at a few hundred shops (docs/operations.md, "Backups"):
the cluster is backed up physically, and this is how one shop is taken out
or brought back.
"""
import io
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.core import serializers
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists

from apps.core.errors import ApplicationError
from apps.tenancy.blueprint import TEMPLATE_SCHEMA, migrations_applied
from apps.tenancy.models import Domain, Tenant
from apps.tenancy.schema_sql import dump_apply, schema_dump, schema_renamed
from apps.tenancy.services import HOSTNAME, RESERVED_SCHEMAS

FORMAT = "zargar-shop-export"
VERSION = 1
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class ShopExport:
    schema: str
    migrations: list[str]
    tenant: Tenant  # as it was exported, not saved
    domains: list[dict]
    sql: str


def shop_export(*, tenant: Tenant, path: Path) -> Path:
    """Writes shop `tenant` to `path` (a .tar.gz file)."""
    if tenant.is_template or tenant.schema_name == "public":
        raise ApplicationError("not_a_shop", f"{tenant.schema_name} is not a shop.")
    sql = schema_dump(connection, schema=tenant.schema_name)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "schema": tenant.schema_name,
        "migrations": migrations_applied(tenant.schema_name),
        "tenant": json.loads(serializers.serialize("json", [tenant]))[0]["fields"],
        "domains": [{"domain": d.domain, "is_primary": d.is_primary} for d in tenant.domains.order_by("-is_primary", "domain")],
    }
    path = Path(path)
    with tarfile.open(path, "w:gz") as archive:
        for name, text in (("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False)), ("schema.sql", sql)):
            data = text.encode()
            member = tarfile.TarInfo(name)
            member.size, member.mtime, member.mode = len(data), int(timezone.now().timestamp()), 0o600
            archive.addfile(member, io.BytesIO(data))
    return path


def _not_an_export(path, why: str) -> ApplicationError:
    return ApplicationError("not_an_export", f"{path} is not a shop export ({why}); make one with export_shop.")


def export_read(path: Path) -> ShopExport:
    try:
        with tarfile.open(path, "r:gz") as archive:
            files = {m.name: archive.extractfile(m).read() for m in archive.getmembers()
                     if m.name in ("manifest.json", "schema.sql") and m.isfile()}
    except FileNotFoundError:
        raise ApplicationError("not_found", f"No file {path}.", status=404) from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _not_an_export(path, f"not a gzipped tar file: {exc}") from None
    if set(files) != {"manifest.json", "schema.sql"}:
        raise _not_an_export(path, "manifest.json or schema.sql missing")
    try:
        manifest = json.loads(files["manifest.json"])
        sql = files["schema.sql"].decode()
        if manifest.get("format") != FORMAT:
            raise ValueError("unknown format")
        if manifest.get("version") != VERSION:
            raise ValueError(f"version {manifest.get('version')}, this release reads version {VERSION}")
        fields = {k: v for k, v in manifest["tenant"].items() if k != "schema_name"}
        # A setting added or removed since (public schema, not in the shop's
        # migrations) is left at its default or dropped.
        tenant = next(serializers.deserialize("json", json.dumps([{"model": "tenancy.tenant", "fields": fields}]),
                                              ignorenonexistent=True)).object
        return ShopExport(schema=manifest["schema"], migrations=list(manifest["migrations"]), tenant=tenant,
                          domains=[{"domain": str(d["domain"]), "is_primary": bool(d["is_primary"])} for d in manifest["domains"]],
                          sql=sql)
    except (ValueError, KeyError, TypeError, AttributeError, serializers.base.DeserializationError) as exc:
        raise _not_an_export(path, f"bad manifest: {exc}") from None


def _check_target(schema: str, domains: list[str]) -> None:
    if not _SCHEMA_NAME.match(schema) or schema.startswith("pg_") or schema in RESERVED_SCHEMAS:
        raise ApplicationError("invalid_schema", f"'{schema}' cannot be a shop's schema name: use lower-case letters, "
                                                 "digits and _, not starting with a digit or pg_.")
    if Tenant.objects.filter(schema_name=schema).exists() or schema_exists(schema):
        raise ApplicationError("schema_taken", f"The schema {schema} exists: restore under another name (--schema) "
                                               "or drop that shop first.", status=409)
    if not domains:
        raise ApplicationError("invalid_domain", "A shop needs at least one domain (--domain).")
    for domain in domains:
        if not HOSTNAME.match(domain):
            raise ApplicationError("invalid_domain", f"'{domain}' is not a valid host name.")
    if len(set(domains)) != len(domains):
        raise ApplicationError("invalid_domain", "A domain is given twice.")
    taken = list(Domain.objects.filter(domain__in=domains).values_list("domain", flat=True))
    if taken:
        raise ApplicationError("domain_taken", f"The domain {', '.join(sorted(taken))} already belongs to a shop: "
                                               "restore with new ones (--domain).", status=409)


def _check_migrations(export: ShopExport) -> None:
    here = migrations_applied(TEMPLATE_SCHEMA)
    if export.migrations == here:
        return
    missing, extra = sorted(set(here) - set(export.migrations)), sorted(set(export.migrations) - set(here))
    raise ApplicationError(
        "migration_mismatch",
        "The export was made at another migration state than this deployment's "
        f"({len(missing)} migrations applied here are not in the export, e.g. {missing[:3]}; "
        f"{len(extra)} in the export are not applied here, e.g. {extra[:3]}). Restore it with the release that "
        "made it (same migrations), then upgrade with migrate_schemas.",
        status=409,
    )


def shop_restore(*, path: Path, schema: str | None = None, domains: list[str] | None = None) -> Tenant:
    """Brings the shop exported to `path` back as a new shop row with its
    schema (`schema`, else its own name) and its domains (`domains`, else its
    own); its data, users and sequences are the export's."""
    export = export_read(path)
    schema = (schema or export.schema).strip()
    names = [d.strip().lower() for d in domains] if domains else [d["domain"] for d in export.domains]
    primary = names[0] if domains else next((d["domain"] for d in export.domains if d["is_primary"]), names[0] if names else None)
    _check_target(schema, names)
    _check_migrations(export)
    tenant = export.tenant
    tenant.pk, tenant.schema_name, tenant.is_template = None, schema, False
    tenant.auto_create_schema = False  # the schema is the export's, made below
    try:
        with transaction.atomic():
            tenant.save(verbosity=0)
            for name in names:
                Domain.objects.create(domain=name, tenant=tenant, is_primary=name == primary)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL check_function_bodies = false")
                dump_apply(cursor, schema_renamed(export.sql, old=export.schema, new=schema))
    except IntegrityError as exc:  # a domain or schema taken since the checks
        raise ApplicationError("restore_conflict", f"The shop could not be restored, nothing was written: {exc}", status=409) from None
    except (DatabaseError, ValueError) as exc:  # ValueError: a COPY block without its end
        raise ApplicationError("restore_failed", f"The export's SQL failed, nothing was written: {exc}") from None
    return tenant
