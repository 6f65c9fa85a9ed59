from django.urls import path

from desks.views import booking, desk, public, queue, rota, voice

app_name = "desks"

urlpatterns = [
    path("", public.home, name="public_home"),
    path("c/<slug:slug>/", public.community, name="community"),
    path("c/<slug:slug>/poster/", public.poster, name="poster"),
    path("c/<slug:slug>/hours.ics", public.community_calendar, name="community_calendar"),
    path("c/<slug:slug>/vote/", voice.vote, name="vote"),
    path("r/<str:token>/", voice.rate, name="rate"),
    path("c/<slug:slug>/book/", booking.book, name="book"),
    path("b/<str:token>/", booking.booking, name="booking"),
    path("b/<str:token>/cancel/", booking.cancel, name="cancel_booking"),
    path("b/<str:token>/booking.ics", booking.booking_ics, name="booking_ics"),
    path("desk/bookings/<int:pk>/arrived/", booking.arrived, name="booking_arrived"),
    path("c/<slug:slug>/queue/", queue.take, name="queue_take"),
    path("c/<slug:slug>/queue/screen/", queue.screen, name="queue_screen"),
    path("c/<slug:slug>/queue/waiting/", queue.waiting, name="queue_waiting"),
    path("c/<slug:slug>/queue/qr/", queue.door_qr, name="queue_qr"),
    path("c/<slug:slug>/queue/<str:token>/", queue.ticket, name="queue_ticket"),
    path("desk/", desk.desk_home, name="home"),
    path("desk/requests/", desk.log, name="log"),
    path("desk/outbox-worker.js", desk.outbox_worker, name="outbox_worker"),
    path("desk/requests/<int:pk>/edit/", desk.edit, name="edit"),
    path("desk/requests/<int:pk>/delete/", desk.delete, name="delete"),
    path("desk/requests/<int:pk>/undo/", desk.undo, name="undo"),
    path("desk/requests/<int:pk>/people/", desk.add_person, name="add_person"),
    path("desk/requests/<int:pk>/notice/", desk.notice, name="notice"),
    path("desk/requests/<int:pk>/rating/", voice.rating_qr, name="rating_qr"),
    path("desk/items/", desk.item_search, name="item_search"),
    path("desk/items/guide/", desk.item_guide, name="item_guide"),
    path("desk/items/pick/", desk.item_pick, name="item_pick"),
    path("desk/lookup/residents/", desk.resident_search, name="resident_search"),
    path(
        "desk/lookup/residents/for-edit/",
        desk.resident_search,
        {"partial": "desk/edit.html#resident-results"},
        name="resident_search_for_edit",
    ),
    path("desk/duty/<int:pk>/check-in/", desk.check_in, name="check_in"),
    path("desk/duty/<int:pk>/check-out/", desk.check_out, name="check_out"),
    path("desk/slots/<int:pk>/handover/", desk.handover, name="handover"),
    path("desk/follow-ups/", desk.follow_ups, name="follow_ups"),
    path("desk/follow-ups/<int:pk>/close/", desk.close_follow_up, name="close_follow_up"),
    path("desk/follow-ups/<int:pk>/change/", desk.change_follow_up, name="change_follow_up"),
    path("desk/me/", rota.me, name="me"),
    path("desk/me/<str:token>.ics", rota.my_calendar, name="my_calendar"),
    path("desk/me.ics", rota.old_calendar_address, name="old_calendar_address"),
    path("desk/me/calendar-link/", rota.renew_calendar_link, name="renew_calendar_link"),
    path("desk/rota/", rota.rota_page, name="rota"),
    path("desk/rota/conflicts/", rota.conflicts, name="rota_conflicts"),
    path("desk/rota/wall/<str:month>/", rota.wall_page, name="rota_wall"),
    *[
        path(
            f"desk/rota/wall/<str:month>/{file_format}/",
            rota.wall_download,
            {"file_format": file_format},
            name=f"rota_wall_{file_format}",
        )
        for file_format in ("csv", "xlsx")
    ],
    path("desk/rota/swaps/", rota.ask_swap, name="ask_swap"),
    *[
        path(
            f"desk/rota/swaps/<int:pk>/{action}/",
            rota.answer_swap,
            {"action": action},
            name=f"{action}_swap",
        )
        for action in ("accept", "decline", "cancel")
    ],
    *[
        path(
            f"desk/rota/swaps/<int:pk>/{decision}/",
            rota.decide_swap,
            {"decision": decision},
            name=f"{decision}_swap",
        )
        for decision in ("approve", "refuse")
    ],
    path("desk/rota/comp-leave/", rota.ask_comp_leave, name="ask_comp_leave"),
    *[
        path(
            f"desk/rota/comp-leave/<int:pk>/{decision}/",
            rota.decide_comp_leave,
            {"decision": decision},
            name=f"{decision}_comp_leave",
        )
        for decision in ("approve", "refuse")
    ],
    path("desk/rota/assignments/<int:pk>/confirm/", rota.confirm_served, name="confirm_served"),
    path("desk/queue/", queue.panel, name="queue_panel"),
    path("desk/queue/take/", queue.desk_take, name="queue_desk_take"),
    path("desk/queue/call/", queue.call_next, name="queue_call_next"),
    path("desk/queue/<int:pk>/skip/", queue.skip, name="queue_skip"),
    path("desk/queue/<int:pk>/recall/", queue.recall, name="queue_recall"),
    path("desk/call-backs/<int:pk>/close/", voice.close_call_back, name="close_call_back"),
]
