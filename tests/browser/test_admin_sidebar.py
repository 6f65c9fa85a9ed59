"""The admin's sidebar at a laptop's 1366×768: every link can be reached."""

import pytest

from desks.models import Role
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_LINK_REACHABLE = """() => {
  const nav = document.querySelector('#nav-sidebar');
  nav.scrollTop = nav.scrollHeight;
  const links = nav.querySelectorAll('a');
  const last = links[links.length - 1].getBoundingClientRect();
  const hit = document.elementFromPoint(last.left + 2, last.top + last.height / 2);
  return {
    pageScrolled: window.scrollY,
    navBottom: nav.getBoundingClientRect().bottom,
    lastBottom: last.bottom,
    screen: window.innerHeight,
    hitsLast: hit === links[links.length - 1],
  };
}"""


def test_the_last_sidebar_link_shows_without_scrolling_the_page(
    page, log_in, street_office, community
):
    make_user(Role.OFFICE, street_office=street_office, username="office")
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "office", next="/admin/desks/rotamonth/")
    found = page.evaluate(LAST_LINK_REACHABLE)
    assert found["pageScrolled"] == 0
    assert found["navBottom"] <= found["screen"]
    assert found["lastBottom"] <= found["screen"]
    assert found["hitsLast"]
