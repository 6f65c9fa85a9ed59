"""What each staff role may do in the admin, kept as two permission groups.

The groups are rebuilt after every migrate, so a new model's permissions reach
the people who need them without anyone editing groups by hand.
"""

from django.contrib.auth.models import Group, Permission

from desks.models import Role

# (app label, model) -> actions, per role.
ROLE_PERMISSIONS = {
    Role.OFFICE: {
        ("desks", "streetoffice"): ("view", "change"),
        ("desks", "community"): ("view", "change"),
        ("desks", "user"): ("view",),
        ("desks", "servicecategory"): ("view", "add", "change"),
        ("desks", "serviceitem"): ("view", "add", "change"),
        ("desks", "weeklywindow"): ("view", "add", "change", "delete"),
        ("desks", "dateoverride"): ("view", "add", "change", "delete"),
        ("desks", "calendarday"): ("view", "add", "change", "delete"),
        ("desks", "holidayarrangement"): ("view", "add"),
        ("desks", "servicerequest"): ("view",),
        ("desks", "dutyslot"): ("view",),
        ("desks", "exportrecord"): ("view", "view_reports", "export_reports"),
        ("desks", "rotamonth"): ("view", "add", "export"),
        ("desks", "assignment"): ("view",),
        ("desks", "absence"): ("view",),
        ("desks", "compleave"): ("view",),
        ("desks", "swaprequest"): ("view",),
        ("residents", "resident"): ("view",),
        ("residents", "tag"): ("view",),
        ("residents", "accesslog"): ("view",),
        ("desks", "votinground"): ("view", "add", "change"),
        ("desks", "menuitem"): ("view", "add", "change", "delete"),
        ("desks", "vote"): ("view", "change"),
        ("desks", "rating"): ("view",),
        ("desks", "callback"): ("view",),
        ("desks", "booking"): ("view", "change"),
        ("desks", "bookingcapacity"): ("view", "add", "change"),
        ("desks", "queueticket"): ("view",),
    },
    Role.HEAD: {
        ("desks", "community"): ("view",),
        ("desks", "user"): ("view",),
        ("desks", "servicecategory"): ("view",),
        ("desks", "serviceitem"): ("view",),
        ("desks", "weeklywindow"): ("view",),
        ("desks", "dateoverride"): ("view",),
        ("desks", "calendarday"): ("view",),
        ("desks", "servicerequest"): ("view",),
        ("desks", "dutyslot"): ("view",),
        ("desks", "exportrecord"): ("view_reports", "export_reports"),
        ("desks", "rotamonth"): ("view", "add", "publish", "export"),
        ("desks", "assignment"): ("view", "add", "change", "delete"),
        ("desks", "absence"): ("view", "add", "change", "delete"),
        ("desks", "compleave"): ("view", "add"),
        ("desks", "swaprequest"): ("view",),
        ("residents", "resident"): ("view", "add", "change"),
        ("residents", "tag"): ("view",),
        ("desks", "votinground"): ("view", "add", "change"),
        ("desks", "menuitem"): ("view", "add", "change", "delete"),
        ("desks", "vote"): ("view", "change"),
        ("desks", "rating"): ("view",),
        ("desks", "callback"): ("view",),
        ("desks", "booking"): ("view", "change"),
        ("desks", "bookingcapacity"): ("view", "add", "change"),
        ("desks", "queueticket"): ("view",),
    },
}

GROUP_NAMES = {Role.OFFICE: "街道工作人员", Role.HEAD: "社区负责人"}


def sync_role_groups(**kwargs):
    """Create or refresh the group of each role that uses the admin."""
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
        wanted = [
            Permission.objects.filter(
                content_type__app_label=app_label,
                codename__in=[
                    action if action.endswith("_reports") else f"{action}_{model}"
                    for action in actions
                ],
            )
            for (app_label, model), actions in grants.items()
        ]
        permissions = set().union(*(set(queryset) for queryset in wanted))
        if set(group.permissions.all()) != permissions:
            group.permissions.set(permissions)


def sync_user_groups(sender, instance, created, update_fields=None, **kwargs):
    """Keep a user in exactly the group of their role, so their admin rights follow the role."""
    if not created and update_fields is not None and "role" not in update_fields:
        return
    role_groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    instance.groups.remove(*role_groups.exclude(name=GROUP_NAMES.get(instance.role)))
    if group := role_groups.filter(name=GROUP_NAMES.get(instance.role)).first():
        instance.groups.add(group)
