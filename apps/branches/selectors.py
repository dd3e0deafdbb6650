from django.db.models import QuerySet

from apps.branches.models import Branch


def branch_list() -> QuerySet[Branch]:
    return Branch.objects.filter(is_active=True).order_by("created_at")
