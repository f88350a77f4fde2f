from django.urls import path

from programs import views

app_name = "programs"
urlpatterns = [
    path("exercises/", views.exercise_list, name="exercise_list"),
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise_detail"),
    path("my/programs/<int:pk>/handout/", views.handout_print, name="handout_print"),
    path("my/programs/<int:pk>/handout.pdf", views.handout_pdf, name="handout_pdf"),
]
