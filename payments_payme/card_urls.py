"""/api/cards/ (CONTRACT 9)."""

from rest_framework.routers import SimpleRouter

from . import card_views

router = SimpleRouter()
router.register("", card_views.CardViewSet, basename="card")

urlpatterns = router.urls
