"""Django's own strings that its zh_Hans catalogue lacks, so makemessages collects them here.

Django 6 added BLANK_CHOICE_LABEL ("- Select an option -") to choice fields; its
Chinese catalogue has no translation yet, so without this our Chinese forms
would show that one English line.
"""

from django.utils.translation import gettext_lazy as _

BLANK_CHOICE = _("- Select an option -")
