"""Content-Security-Policy on every HTML page.

The staff pages, the counter, the admin and the API docs run no inline
script or style: everything is a static file (htmx's own indicator style is
in static/ui/app.css, turned off in base.html's htmx-config). So the policy
can refuse anything else, and an injected `<script>`, `onclick=` or
`javascript:` link (should escaping ever fail) does not run. Django 5.2 has
no CSP of its own; the policy is the CONTENT_SECURITY_POLICY setting (from
the environment variable of that name), and a settings module that sets it
to "" sends none."""
from django.conf import settings

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if self.policy and is_html and HEADER not in response:
            response[HEADER] = self.policy
        return response
