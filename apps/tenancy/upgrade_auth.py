"""
What post_migrate writes in a shop's schema, taken from the template.

post_migrate's handlers here are three: content types, permissions (Django)
and the role groups' permissions (`accounts.roles.roles_sync`). The template
has just been migrated by Django's own `migrate`, so its rows are what those
handlers make for the current code; a shop made from the blueprint starts
with exactly those rows too. After replaying a plan that adds, removes or
renames models, `migrate_shops` brings a shop's rows to the template's,
matched by natural key (ids differ between schemas), in the same
transaction, instead of running Django's whole `migrate` per shop.

Like Django, nothing is deleted but the role groups' surplus permissions
(roles_sync sets them); stale content types stay until
`remove_stale_contenttypes`.
"""
from apps.tenancy.schema_sql import quoted

_FROM_TEMPLATE = """
INSERT INTO {s}.django_content_type (app_label, model)
SELECT t.app_label, t.model FROM {t}.django_content_type t
WHERE NOT EXISTS (SELECT 1 FROM {s}.django_content_type c WHERE c.app_label = t.app_label AND c.model = t.model);

INSERT INTO {s}.auth_permission (name, content_type_id, codename)
SELECT tp.name, sc.id, tp.codename
FROM {t}.auth_permission tp
JOIN {t}.django_content_type tc ON tc.id = tp.content_type_id
JOIN {s}.django_content_type sc ON sc.app_label = tc.app_label AND sc.model = tc.model
WHERE NOT EXISTS (SELECT 1 FROM {s}.auth_permission p WHERE p.content_type_id = sc.id AND p.codename = tp.codename);

INSERT INTO {s}.auth_group (name)
SELECT tg.name FROM {t}.auth_group tg WHERE NOT EXISTS (SELECT 1 FROM {s}.auth_group g WHERE g.name = tg.name);

WITH wanted AS (
    SELECT sg.id AS group_id, sp.id AS permission_id
    FROM {t}.auth_group_permissions tgp
    JOIN {t}.auth_group tg ON tg.id = tgp.group_id
    JOIN {t}.auth_permission tp ON tp.id = tgp.permission_id
    JOIN {t}.django_content_type tc ON tc.id = tp.content_type_id
    JOIN {s}.auth_group sg ON sg.name = tg.name
    JOIN {s}.django_content_type sc ON sc.app_label = tc.app_label AND sc.model = tc.model
    JOIN {s}.auth_permission sp ON sp.content_type_id = sc.id AND sp.codename = tp.codename
), surplus AS (
    DELETE FROM {s}.auth_group_permissions gp
    USING {s}.auth_group g
    WHERE gp.group_id = g.id AND g.name IN (SELECT name FROM {t}.auth_group)
      AND (gp.group_id, gp.permission_id) NOT IN (SELECT group_id, permission_id FROM wanted)
)
INSERT INTO {s}.auth_group_permissions (group_id, permission_id)
SELECT w.group_id, w.permission_id FROM wanted w
WHERE NOT EXISTS (SELECT 1 FROM {s}.auth_group_permissions gp
                  WHERE gp.group_id = w.group_id AND gp.permission_id = w.permission_id);
"""


def post_migrate_rows_sql(*, schema: str, template: str) -> str:
    """The statements that give `schema` the template's post_migrate rows."""
    return _FROM_TEMPLATE.format(s=quoted(schema), t=quoted(template))
