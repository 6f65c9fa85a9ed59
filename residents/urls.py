from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("", views.search, name="search"),
    path("by-id-number/", views.search_by_id_number, name="search_by_id_number"),
    path("id-search-locks/", views.id_search_locks, name="id_search_locks"),
    path("id-search-locks/<int:pk>/lift/", views.lift_id_search_lock, name="lift_id_search_lock"),
    path("add/", views.add, name="add"),
    path("create/", views.create, name="create"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/update/", views.update, name="update"),
]
