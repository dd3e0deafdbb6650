from django.urls import path

from apps.sales import apis, customer_merge_apis

urlpatterns = [
    path("sales/", apis.SaleListCreateApi.as_view(), name="sale-list"),
    path("sales/quote/", apis.SaleQuoteApi.as_view(), name="sale-quote"),
    path("sales/<uuid:sale_id>/", apis.SaleDetailApi.as_view(), name="sale-detail"),
    path("sales/<uuid:sale_id>/void/", apis.SaleVoidApi.as_view(), name="sale-void"),
    path("sales/<uuid:sale_id>/returns/", apis.SaleReturnApi.as_view(), name="sale-return"),
    path("customers/<uuid:customer_id>/merge/", customer_merge_apis.CustomerMergeApi.as_view(), name="customer-merge"),
    path("customers/<uuid:customer_id>/purchases/", apis.CustomerPurchasesApi.as_view(), name="customer-purchases"),
]
