"""The app's URLs plus one trivial view, to compare the dashboards with in the same server."""

from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), path("", include("ectprogramme.urls"))]
