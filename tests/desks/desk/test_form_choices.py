"""The log form's resident and follow-up owner are chosen among the desk's own community,
though their querysets are built only when used (desks.desk.forms.CommunityChoiceField)."""

import uuid

import pytest
from django.urls import reverse

from desks.desk.forms import LogRequestForm
from desks.models import ServiceRequest
from tests.factories import make_resident, make_service_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


def posted(item, **fields):
    return {
        "service_item": item.pk,
        "channel": "walk_in",
        "outcome": "answered",
        "count": 1,
        "idempotency_key": str(uuid.uuid4()),
        **fields,
    }


def test_the_owner_list_holds_this_communitys_duty_workers_only(
    community, worker, colleague, outsider
):
    form = LogRequestForm(community_id=community.pk)
    listed = {value for value, _ in form.fields["follow_up_owner"].choices if value}
    assert listed == {worker.pk, colleague.pk}
    rendered = str(form["follow_up_owner"])
    assert colleague.display_name in rendered and outsider.display_name not in rendered


def test_a_copy_of_the_form_lists_its_own_communitys_workers(
    community, neighbour, worker, outsider
):
    ours, theirs = (
        LogRequestForm(community_id=community.pk),
        LogRequestForm(community_id=neighbour.pk),
    )
    assert worker.display_name in str(ours["follow_up_owner"])
    assert worker.display_name not in str(theirs["follow_up_owner"])
    assert outsider.display_name in str(theirs["follow_up_owner"])


@pytest.mark.parametrize("field", ["resident", "follow_up_owner"])
def test_another_communitys_resident_or_worker_is_refused_and_nothing_is_stored(
    client, worker, neighbour, outsider, item, field
):
    theirs = make_resident(community=neighbour, name="外社区居民", phone="13800138000")
    value = {"resident": theirs.pk, "follow_up_owner": outsider.pk}[field]
    client.force_login(worker)
    extra = {"needs_follow_up": "on"} if field == "follow_up_owner" else {}
    response = client.post(
        reverse("desks:log"),
        posted(item, **{field: value}, **extra),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert response.context["form"].has_error(field, "invalid_choice")
    message = response.context["form"].errors[field][0]
    assert message in response.text
    assert not ServiceRequest.objects.exists()


def test_an_empty_resident_and_owner_need_no_queryset(community):
    form = LogRequestForm(
        {"service_item": "", "resident": "", "follow_up_owner": ""}, community_id=community.pk
    )
    form.is_valid()
    assert form.fields["resident"]._queryset is None
    assert form.fields["follow_up_owner"]._queryset is None
