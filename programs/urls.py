from django.urls import path

from programs import views

app_name = "programs"
urlpatterns = [
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise_detail"),
]
