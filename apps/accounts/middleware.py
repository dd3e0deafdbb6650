"""A shop that requires two-step sign-in holds its owners and managers to
it: logged in without it, they can only set it up (or log out) until they
have. Requests of other users, and of shops that do not require it, pass
with no query."""
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from apps.accounts.mfa import mfa_enrolment_required
from apps.accounts.roles import MFA_REQUIRED_ROLES
from apps.core.errors import error_response
from apps.ui.permissions import is_htmx

OPEN_PREFIXES = ("/static/", "/healthz", "/readyz")
OPEN_PAGES = ("ui:mfa", "ui:mfa-codes", "ui:logout", "ui:language-set")


class MfaEnrolmentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        shop = getattr(request, "tenant", None)
        if getattr(shop, "mfa_required", False) and self._held(request, shop):
            if request.path.startswith("/api/"):
                return error_response("mfa_enrolment_required",
                                      "The shop requires two-step sign-in: set it up on the staff site first.", status=403)
            if is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("ui:mfa")
                return response
            return redirect("ui:mfa")
        return self.get_response(request)

    @staticmethod
    def _held(request, shop) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.role not in MFA_REQUIRED_ROLES:
            return False
        if request.path.startswith(OPEN_PREFIXES) or request.path in {reverse(name) for name in OPEN_PAGES}:
            return False
        return mfa_enrolment_required(user=user, shop=shop)
