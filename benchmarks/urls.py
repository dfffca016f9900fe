from django.shortcuts import render
from django.urls import path


def page(request):
    return render(request, "bench/page.html")


urlpatterns = [path("page/", page)]
