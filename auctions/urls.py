from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import views
from .models import MERCHANT_TRANS_ID_PATTERN

router = SimpleRouter()
router.register("listings", views.ListingViewSet, basename="listing")
router.register("auctions", views.AuctionViewSet, basename="auction")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    re_path(
        rf"^payments/(?P<merchant_trans_id>{MERCHANT_TRANS_ID_PATTERN})/$",
        views.PaymentDetailView.as_view(),
        name="payment-detail",
    ),
    *router.urls,
]
