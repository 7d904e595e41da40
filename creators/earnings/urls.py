from django.urls import path

from creators.earnings import views

app_name = "earnings"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("payout-account/", views.payout_account, name="payout-account"),
    path("payout-account/return/", views.payout_account_return, name="payout-account-return"),
    path("seller/", views.seller_creators, name="seller-creators"),
]
