"""Writes the staff UI makes on its own: language choices."""
from django.conf import settings
from django.db import connection, transaction

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.tenancy.models import Tenant

LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]


def _check_language(language: str, *, allow_blank: bool) -> str:
    language = (language or "").strip()
    if language == "" and allow_blank:
        return language
    if language not in LANGUAGE_CODES:
        raise ApplicationError("invalid_language", f"Language must be one of {', '.join(LANGUAGE_CODES)}.")
    return language


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """The user's own language; blank follows the shop's."""
    user.language = _check_language(language, allow_blank=True)
    user.save(update_fields=["language"])
    return user


@transaction.atomic
def shop_language_set(*, shop: Tenant, actor, language: str) -> Tenant:
    """The shop's language, for staff who have not chosen their own. The
    tenant row lives in the public schema; the audit entry in the shop's."""
    language = _check_language(language, allow_blank=False)
    if not actor.has_perm("accounts.manage_shop"):
        raise ApplicationError("permission_denied", "You may not change the shop's settings.", status=403)
    before = shop.language
    if before == language:
        return shop
    Tenant.objects.filter(pk=shop.pk).update(language=language)
    shop.language = language
    if getattr(connection, "tenant", None) is not None and connection.schema_name == shop.schema_name:
        audit_record(actor=actor, action="tenancy.shop_language_set", obj=shop, before={"language": before}, after={"language": language})
    return shop
