"""Searching residents by full ID number: a deliberate, limited and audited act.

An ID number has little entropy (a region code, a birth date, a serial and a check
character): a desk that confirms any number typed would let an insider rebuild a
resident's number from the last four characters and the birth year in a few hundred
guesses. So a search by ID number has its own form and a reason, every one is recorded
(the kind of key only, never the number or its hash), and after ID_SEARCH_MAX_MISSES
searches that find nobody within ID_SEARCH_MISS_WINDOW the user's searches by ID number
are locked until a head of their community or their street office lifts the lock.
"""

import datetime as dt
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from residents.models import AccessLog, IdSearchLock, Resident

ID_SEARCH_MAX_MISSES = 10
ID_SEARCH_MISS_WINDOW = dt.timedelta(hours=1)


class IdSearchResult(NamedTuple):
    residents: list[Resident]
    locked: bool  # the search was refused, or this miss locked further ones
    misses_left: int


def is_locked(user) -> bool:
    return IdSearchLock.objects.active().filter(user=user).exists()


@transaction.atomic
def search_by_id_number(
    user, number: str, *, reason: str, ip_address: str | None, now: dt.datetime
) -> IdSearchResult:
    """The residents `user` may see whose ID number is `number` (already validated).

    Locked users are refused, and the refusal is recorded too. The user's row is
    locked for the transaction, so two searches at once (two tabs, two app servers)
    count their misses one after the other: the limit holds across processes.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    audit = {
        "user": user,
        "ip_address": ip_address,
        "search_key": AccessLog.SearchKey.ID_NUMBER,
        "reason": reason,
    }
    if is_locked(user):
        AccessLog.record(AccessLog.Action.ID_REFUSED, count=0, **audit)
        return IdSearchResult([], locked=True, misses_left=0)
    found = list(
        Resident.objects.visible_to(user)
        .not_anonymised()
        .with_id_number(number)
        .with_tags_for(user)
        .order_by("community__name", "pk")
    )
    AccessLog.record(AccessLog.Action.SEARCHED, count=len(found), **audit)
    misses = recent_misses(user, now)
    misses_left = max(ID_SEARCH_MAX_MISSES - misses, 0)
    if found or misses_left:
        return IdSearchResult(found, locked=False, misses_left=misses_left)
    IdSearchLock.objects.create(user=user, locked_at=now)
    AccessLog.record(AccessLog.Action.ID_LOCKED, count=0, **audit)
    return IdSearchResult([], locked=True, misses_left=0)


def recent_misses(user, now: dt.datetime) -> int:
    """Searches by ID number of `user` that found nobody in the window, since a lift."""
    since = now - ID_SEARCH_MISS_WINDOW
    last_lift = IdSearchLock.objects.filter(user=user).aggregate(last=Max("lifted_at"))["last"]
    if last_lift and last_lift > since:
        since = last_lift
    return AccessLog.objects.filter(
        user=user,
        action=AccessLog.Action.SEARCHED,
        search_key=AccessLog.SearchKey.ID_NUMBER,
        resident_count=0,
        at__gt=since,
    ).count()


@transaction.atomic
def lift(lock: IdSearchLock, *, by, ip_address: str | None, now: dt.datetime) -> None:
    """Lift `lock` (IdSearchLock.may_be_lifted_by decides who may) and record who did."""
    lock = IdSearchLock.objects.select_for_update().get(pk=lock.pk)
    if lock.lifted_at is not None:
        return
    if not lock.may_be_lifted_by(by):
        raise PermissionDenied
    lock.lifted_at = now
    lock.lifted_by = by
    lock.save(update_fields=["lifted_at", "lifted_by"])
    AccessLog.record(
        AccessLog.Action.ID_UNLOCKED,
        user=by,
        ip_address=ip_address,
        count=0,
        changed_fields=[f"user:{lock.user_id}"],
        community_id=lock.user.community_id,
    )
