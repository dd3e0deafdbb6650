from django.db import connection

from config.celery_app import app


@app.task
def shop_probe_task() -> dict:
    """Says which schema a worker ran in and what it sees there: an operator's
    check that tasks reach the right shop."""
    from apps.branches.models import Branch

    return {"schema": connection.schema_name, "branches": sorted(Branch.objects.values_list("name", flat=True))}
