"""Background tasks of users: the welcome email (sent after the registration commits)."""

import structlog
from celery import shared_task
from django.core.mail import send_mail

from finance.core.tasks import EMAIL_TASK_OPTIONS
from finance.users.models import User

log = structlog.get_logger("finance.users")


@shared_task(
    name="users.send_welcome_email",
    **EMAIL_TASK_OPTIONS,
)
def send_welcome_email(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    body = (
        "Welcome to Finance API.\n\n"
        f"Your account {user.email} is ready: log in, open an account and record your first transaction.\n"
    )
    # send_mail() returns how many messages left; without SMTP nothing does (an email.not_sent line instead).
    if send_mail("Welcome to Finance API", body, None, [user.email]):
        log.info("email.sent", kind="welcome", user_id=user.pk)
