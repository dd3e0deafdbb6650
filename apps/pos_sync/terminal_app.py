"""The browser terminal: the counter page as an installable, offline-first
POS device (docs/sync-protocol.md, "The browser terminal").

The page itself carries no shop data and needs no staff session: a browser
is a terminal once a manager's enrolment code made it one, and everything it
shows comes through the POS sync API under its device token. The service
worker (built from npm's workbox-build by scripts/terminal_sw.mjs) caches the
page and its scripts, so the counter opens and sells with the internet down.
"""
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

SERVICE_WORKER = "vendor/terminal-sw.js"


def _strings() -> dict:
    """What the page's script says, in the page's language."""
    return {
        "online": _("Online"), "offline": _("Offline"), "all_synced": _("All synced"), "loading": _("Loading the catalogue…"),
        "not_enrolled": _("Not enrolled"),
        "pending": _("%(count)s waiting to sync"), "oldest": _("oldest sale %(age)s"),
        "last_sync": _("last sync %(age)s"), "never_synced": _("never synced"),
        "conflicts": _("%(count)s to review"), "revoked": _("This browser was revoked by a manager: it no longer syncs. Its unsent sales are kept here; export them for a manager."),
        "persist_refused": _("The browser did not promise to keep this counter's data: sales waiting to sync could be lost if its storage is cleared. Install the counter as an app, or allow persistent storage."),
        "quota_low": _("The browser's storage for this counter is almost full (%(used)s of %(quota)s used)."),
        "offline_long": _("The oldest unsent sale was made %(age)s; after %(hours)s hours the server flags sales as stale. Connect this counter to the internet."),
        "rate_stale": _("The gold rate on this counter was set %(age)s: check it before pricing."),
        "no_rate": _("No gold rate has reached this counter yet: gold pieces cannot be priced."),
        "not_found": _("No item with this barcode or SKU on this counter."),
        "unavailable": _("Not in stock here (%(status)s): sold anyway, a manager will review it."),
        "in_cart": _("This piece is already in the cart."),
        "none_left": _("None left here by this counter's count: sold anyway, a manager will review the stock."),
        "invoice_pending": _("invoice number pending"), "wrong_login": _("Wrong email or password."),
        "never_here": _("Without the internet only staff who signed in on this browser before can sign in."),
        "code_invalid": _("The enrolment code is unknown, used or expired: ask a manager for a fresh one."),
        "no_server": _("The server cannot be reached: enrolment needs the internet."),
        "state_pending": _("waiting"), "state_applied": _("synced"), "state_duplicate": _("synced"), "state_rejected": _("rejected"),
        "conflict_oversold": _("sold out: a manager will review the stock"), "conflict_price_mismatch": _("price differs from the server's"),
        "conflict_stale": _("recorded offline too long ago"), "reprint": _("Reprint"), "remove": _("Remove"),
        "exported": _("%(count)s unsent operations exported."), "imported": _("%(count)s operations imported into this terminal's journal."),
        "bad_file": _("This file is not a journal exported by a Zargar terminal."),
        "sign_out": _("Sign out"), "walk_in": _("Walk-in customer"), "cashier": _("Cashier"),
        "storage": _("Stored here: %(items)s items, %(customers)s customers; next receipt %(receipt)s."),
        "push_refused": _("The server refused a push (%(code)s): %(message)s"),
        "customer_invalid": _("Give the customer's name and a phone number of 7 to 15 digits."),
        "tradein_invalid": _("Old gold needs a weight in grams (up to 3 decimals), a fineness from 1 to 1000 and a deduction from 0 to 100%."),
        "amount_invalid": _("Type an amount above zero in the shop's currency."),
        "old_gold_over": _("The old gold is worth more than the sale: pay the customer out at the online counter."),
        "paid_over": _("The payments come to more than the amount due."),
        "old_gold": _("Old gold"),
        "tradein_line": _("%(weight)s g of fineness %(fineness)s, less %(deduction)s%%: %(value)s"),
        "just_now": _("just now"), "minutes": _("%(n)s min ago"), "hours": _("%(n)s h ago"), "days": _("%(n)s days ago"),
    }


@require_GET
def terminal_app(request):
    response = render(request, "pos_sync/terminal_app.html", {"strings": _strings()})
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def terminal_sw(request):
    """The service worker, served from the page's own path so that its scope
    covers the page (a worker under /static/ could control /static/ only)."""
    path = finders.find(SERVICE_WORKER)
    if not path:
        raise Http404("the service worker is not built: run scripts/frontend.sh")
    with open(path, "rb") as built:
        response = HttpResponse(built.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def terminal_manifest(request):
    start = reverse("ui:terminal")
    manifest = {
        "name": f"{request.tenant.name} · {_('Offline counter')}", "short_name": _("Counter"),
        "start_url": start, "scope": start, "display": "standalone", "background_color": "#ffffff", "theme_color": "#7a5c12",
        "icons": [{"src": static("ui/terminal/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
