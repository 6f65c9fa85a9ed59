"""Which communities a member of staff may see: the scope of reports and exports."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from desks.models import Community, StreetOffice


@dataclass
class Scope:
    """Which communities a report covers, and how to name that."""

    label: str
    communities: QuerySet
    office: StreetOffice | None = None
    community: Community | None = None

    @property
    def full_label(self) -> str:
        """和平街道 · 和平社区: a community named with its street office, for printed headings."""
        if self.community:
            return f"{self.community.street_office.name} · {self.label}"
        return self.label

    @property
    def slug(self):
        return (
            self.community.slug if self.community else (self.office.slug if self.office else "all")
        )


def scope_for(user, office_slug: str = "", community_slug: str = "") -> Scope:
    """The scope `user` asked for, if they may see it; Http404 otherwise (nothing leaks)."""
    visible = Community.objects.visible_to(user).select_related("street_office")
    if community_slug:
        community = visible.filter(slug=community_slug).first()
        if community is None:
            raise Http404
        return Scope(community.name, visible.filter(pk=community.pk), community=community)
    if office_slug and user.community_id:
        raise Http404  # a head's scope is their community, never a whole street office
    offices = StreetOffice.objects.filter(communities__in=visible).distinct()
    if office_slug:
        office = offices.filter(slug=office_slug).first()
    elif user.community_id:
        community = visible.get(pk=user.community_id)
        return Scope(community.name, visible.filter(pk=community.pk), community=community)
    else:
        office = offices.order_by("name").first()
    if office is None:
        raise Http404
    return Scope(office.name, visible.filter(street_office=office), office=office)
