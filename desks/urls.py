from django.urls import path

from desks.views import desk, public

app_name = "desks"

urlpatterns = [
    path("", public.home, name="public_home"),
    path("c/<slug:slug>/", public.community, name="community"),
    path("c/<slug:slug>/hours.ics", public.community_calendar, name="community_calendar"),
    path("desk/", desk.desk_home, name="home"),
]
