"""How the OpenAPI schema describes `Authorization: Device <token>`."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.pos_sync.authentication.DeviceAuthentication"
    name = "DeviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Device <token>` from enrolment"}
