from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "cityloop.assessment"
    label = "assessment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cityloop.assessment.services import callback_consequences
        from cityloop.assessment.tasks import reply_score_follow
        from cityloop.tickets.services import CONSEQUENCES, FOLLOWERS

        # Every reply is scored once it is sent: a completion by the unit, or a direct answer by the centre.
        for action in ("complete", "answer"):
            if reply_score_follow not in FOLLOWERS.setdefault(action, []):
                FOLLOWERS[action].append(reply_score_follow)
        # A callback has the same consequences wherever it is recorded (callback page, ticket page, API, portal).
        if callback_consequences not in CONSEQUENCES.setdefault("callback", []):
            CONSEQUENCES["callback"].append(callback_consequences)
