from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from desks.core.access import only_with_mail, password_reset_by_mail
from desks.views import api, reports

# django.contrib.auth.urls, with the password reset only while mail is configured.
accounts = [
    path(
        "login/",
        # Called by the template when it renders, so a change of settings shows at once.
        auth_views.LoginView.as_view(
            extra_context={"password_reset_by_mail": password_reset_by_mail}
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        only_with_mail(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        only_with_mail(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        only_with_mail(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        only_with_mail(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]

# Chinese pages live at /..., English at /en/...: the language is in the URL, so
# public pages need no cookie and can be cached.
urlpatterns = [
    path("api/hours/", api.hours_on, name="api_hours"),
    *i18n_patterns(
        path("", include("desks.urls")),
        path("desk/residents/", include("residents.urls")),
        path("accounts/", include(accounts)),
        path("admin/reports/", admin.site.admin_view(reports.report), name="reports"),
        re_path(
            r"^admin/reports/export\.(?P<file_format>csv|xlsx)$",
            admin.site.admin_view(reports.export),
            name="reports_export",
        ),
        path("admin/", admin.site.urls),
        prefix_default_language=False,
    ),
]
