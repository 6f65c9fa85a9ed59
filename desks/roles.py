"""What each staff role may do in the admin, kept as two permission groups.

The groups are rebuilt after every migrate, so a new model's permissions reach
the people who need them without anyone editing groups by hand.
"""

from django.contrib.auth.models import Group, Permission

from desks.models import Role

# (app label, model) -> actions, per role.
ROLE_PERMISSIONS = {
    Role.OFFICE: {
        ("desks", "streetoffice"): ("view",),
        ("desks", "community"): ("view", "change"),
        ("desks", "user"): ("view",),
        ("desks", "servicecategory"): ("view", "add", "change"),
        ("desks", "serviceitem"): ("view", "add", "change"),
        ("residents", "resident"): ("view",),
        ("residents", "tag"): ("view",),
        ("residents", "accesslog"): ("view",),
    },
    Role.HEAD: {
        ("desks", "community"): ("view",),
        ("desks", "user"): ("view",),
        ("desks", "servicecategory"): ("view",),
        ("desks", "serviceitem"): ("view",),
        ("residents", "resident"): ("view", "add", "change"),
        ("residents", "tag"): ("view",),
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
                codename__in=[f"{action}_{model}" for action in actions],
            )
            for (app_label, model), actions in grants.items()
        ]
        permissions = set().union(*(set(queryset) for queryset in wanted))
        if set(group.permissions.all()) != permissions:
            group.permissions.set(permissions)


def group_for(role):
    name = GROUP_NAMES.get(role)
    return Group.objects.get(name=name) if name else None
