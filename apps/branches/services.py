"""Writes on branches and terminals, in the current shop's schema."""
from django.db import transaction
from django.db.models import Max

from apps.branches.models import Branch, Terminal
from apps.core.errors import ApplicationError


def _branch_name(name: str, *, branch: Branch | None = None) -> str:
    name = name.strip()
    if not name:
        raise ApplicationError("invalid_branch", "A branch name is required.")
    others = Branch.objects.filter(name__iexact=name)
    if branch is not None:
        others = others.exclude(pk=branch.pk)
    if others.exists():
        raise ApplicationError("branch_exists", f"A branch named {name} already exists.", status=409)
    return name


@transaction.atomic
def branch_create(*, name: str, address: str = "") -> Branch:
    name = _branch_name(name)
    code = f"B{Branch.objects.count() + 1}"
    while Branch.objects.filter(code=code).exists():
        code = f"B{int(code[1:]) + 1}"
    return Branch.objects.create(name=name, code=code, address=address)


@transaction.atomic
def branch_update(*, branch: Branch, name: str | None = None, address: str | None = None,
                  is_active: bool | None = None) -> Branch:
    """Renames, moves or closes (is_active=False) a branch. Its code is in
    every receipt number it ever printed, so it never changes."""
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    fields = []
    if name is not None:
        branch.name = _branch_name(name, branch=branch)
        fields.append("name")
    if address is not None:
        branch.address = address
        fields.append("address")
    if is_active is not None:
        branch.is_active = bool(is_active)
        fields.append("is_active")
    if fields:
        branch.save(update_fields=fields)
    return branch


def _terminal_name(name: str, *, branch: Branch, terminal: Terminal | None = None) -> str:
    name = name.strip()
    if not name:
        raise ApplicationError("invalid_terminal", "A terminal name is required.")
    others = Terminal.objects.filter(branch=branch, name__iexact=name)
    if terminal is not None:
        others = others.exclude(pk=terminal.pk)
    if others.exists():
        raise ApplicationError("terminal_exists", f"Branch {branch.name} already has a terminal named {name}.", status=409)
    return name


@transaction.atomic
def terminal_create(*, branch: Branch, name: str) -> Terminal:
    """A new terminal at `branch`, numbered after the branch's last one."""
    # Lock the branch so two terminals created at once get different numbers.
    Branch.objects.select_for_update().get(pk=branch.pk)
    name = _terminal_name(name, branch=branch)
    number = (Terminal.objects.filter(branch=branch).aggregate(n=Max("number"))["n"] or 0) + 1
    return Terminal.objects.create(branch=branch, name=name, number=number)


@transaction.atomic
def terminal_update(*, terminal: Terminal, name: str | None = None, is_active: bool | None = None) -> Terminal:
    """Renames a terminal or takes it out of service (is_active=False: the
    counter no longer sells on it). Its branch and number are in its receipt
    numbers, so they never change."""
    terminal = Terminal.objects.select_for_update().select_related("branch").get(pk=terminal.pk)
    fields = []
    if name is not None:
        terminal.name = _terminal_name(name, branch=terminal.branch, terminal=terminal)
        fields.append("name")
    if is_active is not None:
        terminal.is_active = bool(is_active)
        fields.append("is_active")
    if fields:
        terminal.save(update_fields=fields)
    return terminal
