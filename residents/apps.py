from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("Residents")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from residents.security import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="residents.start_session_clock")
