from django.urls import path

from patients import views

app_name = "patients"
urlpatterns = [
    path("my/", views.today, name="today"),
    path("my/sessions/<int:pk>/", views.session_done, name="session_done"),
    path("my/progress/", views.progress, name="progress"),
    path("my/reading/<int:pk>/read/", views.mark_reading_read, name="reading_read"),
    path("my/export/", views.export, name="export"),
    path("my/export/my-data.<str:fmt>", views.export_file, name="export_file"),
    path("my/calendar/<uuid:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("accounts/welcome/new/", views.welcome_new, name="welcome_new"),
    path("accounts/welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="welcome"),
    path("my/check-in/", views.check_in_list, name="check_in_list"),
    path("my/check-in/<slug:questionnaire>/", views.check_in_form, name="check_in_form"),
    path("my/check-in/done/<int:pk>/", views.check_in_done, name="check_in_done"),
    path("my/settings/", views.settings_view, name="settings"),
    path("my/settings/calendar/rotate/", views.rotate_calendar, name="rotate_calendar"),
]
