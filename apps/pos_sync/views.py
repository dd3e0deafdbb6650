"""Terminals as POS devices: create one, hand its enrolment code to the POS
app, revoke the device enrolled on it."""
from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.branches.models import Branch, Terminal
from apps.branches.services import terminal_create
from apps.core.errors import ApplicationError
from apps.pos_sync.enrolment_card import enrolment_payload, shop_server_address
from apps.pos_sync.selectors import terminal_list
from apps.pos_sync.services import device_revoke, enrollment_code_issue
from apps.ui.forms import RowChoiceField
from apps.ui.labels import error_text
from apps.ui.permissions import permission_required
from apps.ui.qr import qr_svg

MANAGE = "accounts.manage_terminals"


class TerminalForm(forms.Form):
    branch = RowChoiceField(Branch.objects.filter(is_active=True), label=gettext_lazy("Branch"))
    name = forms.CharField(max_length=120, label=gettext_lazy("Name"))


@permission_required(MANAGE)
def terminal_list_page(request):
    form = TerminalForm(request.POST or None, initial={"branch": Branch.objects.filter(is_active=True).order_by("created_at").first()})
    if request.method == "POST" and form.is_valid():
        try:
            terminal = terminal_create(branch=form.cleaned_data["branch"], name=form.cleaned_data["name"])
        except ApplicationError as exc:
            form.add_error("name", error_text(exc))
        else:
            messages.success(request, _("Terminal %(name)s created. Issue its enrolment code to set up the POS app.") % {"name": terminal.name})
            return redirect("ui:terminal-list")
    return render(request, "pos_sync/terminal_list.html", {"form": form, "terminals": terminal_list()})


@require_POST
@permission_required(MANAGE)
def terminal_code(request, terminal_id):
    """Shows the code once: only its hash is stored."""
    terminal = get_object_or_404(Terminal.objects.select_related("branch"), pk=terminal_id)
    issued = enrollment_code_issue(terminal=terminal, actor=request.user)
    server = shop_server_address(request)
    qr = qr_svg(enrolment_payload(server=server, code=issued.code), label=_("QR code of the server address and the enrolment code"))
    response = render(request, "pos_sync/terminal_code.html", {"terminal": terminal, "issued": issued, "server": server, "qr": qr})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(MANAGE)
def terminal_revoke(request, terminal_id):
    terminal = get_object_or_404(Terminal, pk=terminal_id)
    count = device_revoke(terminal=terminal, actor=request.user)
    if count:
        messages.success(request, _("The device on %(name)s is revoked; it can no longer sync.") % {"name": terminal.name})
    else:
        messages.warning(request, _("No device was enrolled on %(name)s.") % {"name": terminal.name})
    return redirect("ui:terminal-list")
