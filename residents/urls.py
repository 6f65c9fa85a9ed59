from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("", views.search, name="search"),
    path("add/", views.add, name="add"),
    path("create/", views.create, name="create"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/update/", views.update, name="update"),
]
