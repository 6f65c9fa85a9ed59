from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class DesksConfig(AppConfig):
    name = "desks"
    verbose_name = _("Service desks")

    def ready(self):
        from django.core import checks

        from desks.core import client, public_cache
        from desks.core.roles import sync_role_groups, sync_user_groups
        from desks.desk.anonymisation import forget_resident
        from desks.models import reports
        from desks.rota import reconcile
        from desks.voice import feedback
        from residents.signals import resident_anonymised

        public_cache.connect_receivers()
        checks.register(client.check_proxy_settings, checks.Tags.security, deploy=True)
        checks.register(feedback.check_shared_cache, checks.Tags.caches, deploy=True)
        reconcile.connect_receivers()
        reports.connect_receivers()

        post_migrate.connect(sync_role_groups, dispatch_uid="desks.sync_role_groups")
        post_save.connect(
            sync_user_groups, sender=self.get_model("User"), dispatch_uid="desks.sync_user_groups"
        )
        resident_anonymised.connect(forget_resident, dispatch_uid="desks.forget_resident")
