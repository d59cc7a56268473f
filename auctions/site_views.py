from django.shortcuts import render

from . import services


def home(request):
    auctions = services.visible_auctions(request.user).filter(is_paid=True)[:50]
    return render(request, "auctions/home.html", {"auctions": auctions})
