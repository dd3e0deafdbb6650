from django.urls import path

from apps.customers import apis

urlpatterns = [
    path("customers/", apis.CustomerListCreateApi.as_view(), name="customer-list"),
    path("customers/<uuid:customer_id>/", apis.CustomerDetailApi.as_view(), name="customer-detail"),
    path("customers/<uuid:customer_id>/points/", apis.CustomerPointsApi.as_view(), name="customer-points"),
]
