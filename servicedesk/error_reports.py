"""Error logs and reports that carry no residents' personal data.

A 500 is logged (the console handler) and may be mailed to ADMINS (Django's
ExceptionReporter). By default both can carry what a worker typed: PostgreSQL's
`DETAIL: Key (community_id, phone)=(7, 13811115555) already exists.` in the exception
text, every POST value (name, phone, ID number, notes), the query string (a search by
phone) and each frame's local variables (a Resident's name in its repr). Here the
names stay, so a report still says where it failed; the values go.
"""

import logging
import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# PostgreSQL's detail line names the values of a violated key ("Key (phone)=(139…)").
_DATABASE_DETAIL = re.compile(r"DETAIL:[^\n]*")
_HIDDEN_DETAIL = "DETAIL: (hidden: it may name personal data)"


def without_database_details(text: str) -> str:
    return _DATABASE_DETAIL.sub(_HIDDEN_DETAIL, text)


class Formatter(logging.Formatter):
    """The log's formatter: tracebacks without PostgreSQL's DETAIL lines."""

    def formatException(self, exc_info):
        return without_database_details(super().formatException(exc_info))


class PersonalDataFilter(SafeExceptionReporterFilter):
    """Outside DEBUG, every POST value and every frame's local variables are hidden:
    nearly every POST of the app carries a resident's details or a password."""

    def get_post_parameters(self, request):
        if request is not None and self.is_active(request):
            return self._cleanse_multivaluedict(request.POST, "__ALL__")
        return super().get_post_parameters(request)

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if request is not None and self.is_active(request) and meta.get("QUERY_STRING"):
            meta["QUERY_STRING"] = self.cleansed_substitute  # ?q= may be a phone
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        if self.is_active(request):
            return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
        return super().get_traceback_frame_variables(request, tb_frame)


class PersonalDataReporter(ExceptionReporter):
    """Reports without the query string's values nor PostgreSQL's DETAIL lines."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None and self.filter.is_active(self.request):
            hidden = self.filter.cleansed_substitute
            data["request_GET_items"] = [(name, hidden) for name in self.request.GET]
            data["request_insecure_uri"] = data["request_insecure_uri"].split("?", 1)[0]
        return data

    def get_traceback_text(self):
        return without_database_details(super().get_traceback_text())

    def get_traceback_html(self):
        return without_database_details(super().get_traceback_html())
