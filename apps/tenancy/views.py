from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def landing(request):
    return render(request, "tenancy/landing.html")


@login_required
def shop_home(request):
    return render(request, "tenancy/shop_home.html", {"shop": request.tenant})
