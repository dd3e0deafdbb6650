"""Customers made the way staff make them: through the service."""
import factory

from apps.customers.models import Customer
from apps.customers.services import customer_create


class CustomerFactory(factory.Factory):
    class Meta:
        model = Customer

    full_name = factory.Faker("name", locale="fa_IR")
    phone = factory.Sequence(lambda n: f"0912{n:07d}")
    email = ""

    @classmethod
    def _create(cls, model_class, **kwargs):
        return customer_create(**kwargs)
