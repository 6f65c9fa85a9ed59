"""The desks domain, one module per part: who (organisation), what (catalogue), when (opening)."""

from desks.models.booking import Booking, BookingCapacity
from desks.models.catalogue import ServiceCategory, ServiceItem
from desks.models.opening import (
    CalendarDay,
    DateOverride,
    HolidayArrangement,
    Weekday,
    WeeklyWindow,
)
from desks.models.organisation import (
    Community,
    HolidayRule,
    Role,
    StaffManager,
    StreetOffice,
    User,
    WorkingWeekendRule,
    centre_phone_validator,
)
from desks.models.queue import QueueTicket, TicketStatus
from desks.models.reports import ExportRecord, MonthFigures
from desks.models.requests import (
    Channel,
    FollowUp,
    Outcome,
    RequestChange,
    ServiceRequest,
)
from desks.models.rota import (
    Absence,
    Assignment,
    CalendarLink,
    CompLeave,
    DutySlot,
    RotaMonth,
    SlotKind,
    SwapRequest,
)
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
    "Absence",
    "Assignment",
    "Booking",
    "BookingCapacity",
    "CalendarDay",
    "CalendarLink",
    "CallBack",
    "Channel",
    "Community",
    "CompLeave",
    "DateOverride",
    "DutySlot",
    "ExportRecord",
    "FollowUp",
    "HolidayArrangement",
    "HolidayRule",
    "Level",
    "MenuItem",
    "MonthFigures",
    "Outcome",
    "QueueTicket",
    "Rating",
    "RatingInvitation",
    "RequestChange",
    "Role",
    "RotaMonth",
    "ServiceCategory",
    "ServiceItem",
    "ServiceRequest",
    "SlotKind",
    "StaffManager",
    "StreetOffice",
    "SwapRequest",
    "TicketStatus",
    "User",
    "Vote",
    "VotingRound",
    "Weekday",
    "WeeklyWindow",
    "WorkingWeekendRule",
    "centre_phone_validator",
]
