"""Records of periodic jobs' runs in the current shop (apps.core.models.JobRun)."""
import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from apps.core.models import JobRun


def job_run_record(*, job: str, started_at: datetime, result: dict, ok: bool = True) -> JobRun:
    return JobRun.objects.create(
        job=job, started_at=started_at, finished_at=max(timezone.now(), started_at), ok=ok,
        result=json.loads(json.dumps(result, cls=DjangoJSONEncoder)),
    )
