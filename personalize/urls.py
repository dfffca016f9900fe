"""URLs of django-personalize: ``path("personalize/", include("personalize.urls"))``."""

from django.urls import include, path

from personalize import views

app_name = "personalize"

urlpatterns = [
    path("go/<int:variant_id>/", views.click, name="click"),
    path("api/", include("personalize.api.urls")),
]
