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
from desks.models.voice import (
    CallBack,
    Level,
    MenuItem,
    Rating,
    RatingInvitation,
    Vote,
    VotingRound,
)

__all__ = [
    "Assignment",
    "CalendarDay",
    "CallBack",
    "Channel",
    "Community",
    "DateOverride",
    "DutySlot",
    "ExportRecord",
    "FollowUp",
    "HolidayRule",
    "Level",
    "MenuItem",
    "Outcome",
    "Rating",
    "RatingInvitation",
    "RequestChange",
    "Role",
    "ServiceCategory",
    "ServiceItem",
    "ServiceRequest",
    "SlotKind",
    "StaffManager",
    "StreetOffice",
    "User",
    "Vote",
    "VotingRound",
    "Weekday",
    "WeeklyWindow",
    "phone_validator",
]
