"""The shop's branches. Terminals, as POS devices: apps.pos_sync.terminal_apis."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from apps.branches import selectors
from apps.branches.models import Branch
from apps.core.api import ApiView, Pagination
from apps.core.schema import ERROR_RESPONSES


class BranchListApi(ApiView):
    """The shop's open branches, oldest first."""

    pagination_class = Pagination

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Branch
            fields = ["id", "name", "code", "address"]

    @extend_schema(tags=["branches"], responses={200: OutputSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.branch_list(), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
