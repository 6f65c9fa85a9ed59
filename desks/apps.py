from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DesksConfig(AppConfig):
    name = "desks"
    verbose_name = _("Service desks")

    def ready(self):
        from desks.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="desks.sync_role_groups")
