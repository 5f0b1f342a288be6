from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from finance.exports.models import Export
from finance.users.models import User


def exports_for(user: User) -> QuerySet[Export]:
    return Export.objects.filter(user=user)


def in_flight_count(user: User) -> int:
    """Exports still pending or running. One whose task was lost (broker flushed, worker gone for good)
    stops counting after the broker's visibility timeout, so it cannot block the user for ever."""
    since = timezone.now() - timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT)
    return exports_for(user).filter(status__in=Export.IN_FLIGHT, created_at__gte=since).count()


def downloadable(object_key: str) -> Export | None:
    """The finished export stored under `object_key`, while its owner's account is active."""
    return Export.objects.filter(
        object_key=object_key, status=Export.Status.DONE, user__is_active=True
    ).first()
