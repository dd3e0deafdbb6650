from django.urls import path

from apps.inventory import apis

urlpatterns = [
    path("items/", apis.ItemListCreateApi.as_view(), name="item-list"),
    path("items/low-stock/", apis.ItemLowStockApi.as_view(), name="item-low-stock"),
    path("items/<uuid:item_id>/", apis.ItemDetailApi.as_view(), name="item-detail"),
    path("items/<uuid:item_id>/stock-adjustment/", apis.ItemStockAdjustApi.as_view(), name="item-stock-adjustment"),
    path("categories/", apis.CategoryListCreateApi.as_view(), name="category-list"),
    path("gold-rates/", apis.GoldRateListCreateApi.as_view(), name="gold-rate-list"),
    path("gold-rates/current/", apis.GoldRateCurrentApi.as_view(), name="gold-rate-current"),
]
