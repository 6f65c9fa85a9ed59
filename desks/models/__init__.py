"""The desks domain, one module per part: who (organisation), what (catalogue), when (opening)."""

from desks.models.catalogue import ServiceCategory, ServiceItem
from desks.models.opening import CalendarDay, DateOverride, Weekday, WeeklyWindow
from desks.models.organisation import (
    Community,
    HolidayRule,
    Role,
    StaffManager,
    StreetOffice,
    User,
    phone_validator,
)
from desks.models.reports import ExportRecord
from desks.models.requests import (
    Channel,
    FollowUp,
    Outcome,
    RequestChange,
    ServiceRequest,
)
from desks.models.rota import Assignment, DutySlot, SlotKind

__all__ = [
    "Assignment",
    "CalendarDay",
    "Channel",
    "Community",
    "DateOverride",
    "DutySlot",
    "ExportRecord",
    "FollowUp",
    "HolidayRule",
    "Outcome",
    "RequestChange",
    "Role",
    "ServiceCategory",
    "ServiceItem",
    "ServiceRequest",
    "SlotKind",
    "StaffManager",
    "StreetOffice",
    "User",
    "Weekday",
    "WeeklyWindow",
    "phone_validator",
]
