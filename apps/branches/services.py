"""Writes on branches and terminals, in the current shop's schema."""
from django.db import transaction
from django.db.models import Max

from apps.branches.models import Branch, Terminal
from apps.core.errors import ApplicationError


@transaction.atomic
def branch_create(*, name: str, address: str = "") -> Branch:
    name = name.strip()
    if not name:
        raise ApplicationError("invalid_branch", "A branch name is required.")
    if Branch.objects.filter(name__iexact=name).exists():
        raise ApplicationError("branch_exists", f"A branch named {name} already exists.", status=409)
    code = f"B{Branch.objects.count() + 1}"
    while Branch.objects.filter(code=code).exists():
        code = f"B{int(code[1:]) + 1}"
    return Branch.objects.create(name=name, code=code, address=address)


@transaction.atomic
def terminal_create(*, branch: Branch, name: str) -> Terminal:
    name = name.strip()
    if not name:
        raise ApplicationError("invalid_terminal", "A terminal name is required.")
    # Lock the branch so two terminals created at once get different numbers.
    Branch.objects.select_for_update().get(pk=branch.pk)
    if Terminal.objects.filter(branch=branch, name__iexact=name).exists():
        raise ApplicationError("terminal_exists", f"Branch {branch.name} already has a terminal named {name}.", status=409)
    number = (Terminal.objects.filter(branch=branch).aggregate(n=Max("number"))["n"] or 0) + 1
    return Terminal.objects.create(branch=branch, name=name, number=number)
