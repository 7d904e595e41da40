from django.urls import path

from creators.api import earnings

urlpatterns = [
    path("", earnings.EarningsView.as_view(), name="api-creator-earnings"),
]
