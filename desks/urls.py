from django.urls import path

from desks import views

app_name = "desks"

urlpatterns = [
    path("", views.public_home, name="public_home"),
    path("c/<slug:slug>/", views.community, name="community"),
    path("desk/", views.desk_home, name="home"),
]
