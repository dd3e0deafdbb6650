from django.urls import path

from apps.workshop import apis

urlpatterns = [
    path("repairs/", apis.RepairListApi.as_view(), name="repair-list"),
    path("repairs/<uuid:ticket_id>/", apis.RepairDetailApi.as_view(), name="repair-detail"),
    path("repairs/<uuid:ticket_id>/quote/", apis.RepairQuoteApi.as_view(), name="repair-quote"),
    path("repairs/<uuid:ticket_id>/status/", apis.RepairStatusApi.as_view(), name="repair-status"),
    path("repairs/<uuid:ticket_id>/deposits/", apis.RepairDepositApi.as_view(), name="repair-deposits"),
    path("repairs/<uuid:ticket_id>/metal/", apis.RepairMetalApi.as_view(), name="repair-metal"),
    path("repairs/<uuid:ticket_id>/close/", apis.RepairCloseApi.as_view(), name="repair-close"),
    path("repairs/<uuid:ticket_id>/collect/", apis.RepairCollectApi.as_view(), name="repair-collect"),
    path("repair-prices/", apis.RepairPriceApi.as_view(), name="repair-prices"),
    path("craftsmen/", apis.CraftsmanApi.as_view(), name="craftsmen"),
]
