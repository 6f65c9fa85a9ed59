from django.urls import path

from desks.views import desk, public, voice

app_name = "desks"

urlpatterns = [
    path("", public.home, name="public_home"),
    path("c/<slug:slug>/", public.community, name="community"),
    path("c/<slug:slug>/hours.ics", public.community_calendar, name="community_calendar"),
    path("c/<slug:slug>/vote/", voice.vote, name="vote"),
    path("r/<str:token>/", voice.rate, name="rate"),
    path("desk/", desk.desk_home, name="home"),
    path("desk/requests/", desk.log, name="log"),
    path("desk/requests/<int:pk>/edit/", desk.edit, name="edit"),
    path("desk/requests/<int:pk>/delete/", desk.delete, name="delete"),
    path("desk/requests/<int:pk>/notice/", desk.notice, name="notice"),
    path("desk/requests/<int:pk>/rating/", voice.rating_qr, name="rating_qr"),
    path("desk/items/", desk.item_search, name="item_search"),
    path("desk/items/guide/", desk.item_guide, name="item_guide"),
    path("desk/lookup/residents/", desk.resident_search, name="resident_search"),
    path("desk/duty/<int:pk>/check-in/", desk.check_in, name="check_in"),
    path("desk/duty/<int:pk>/check-out/", desk.check_out, name="check_out"),
    path("desk/slots/<int:pk>/handover/", desk.handover, name="handover"),
    path("desk/follow-ups/", desk.follow_ups, name="follow_ups"),
    path("desk/follow-ups/<int:pk>/close/", desk.close_follow_up, name="close_follow_up"),
    path("desk/call-backs/<int:pk>/close/", voice.close_call_back, name="close_call_back"),
]
