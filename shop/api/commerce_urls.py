from django.urls import path

from shop.api import buy_now, cart, checkout, orders, returns, saved_details

urlpatterns = [
    path("cart/", cart.CartView.as_view(), name="api-cart"),
    path("cart/lines/", cart.CartLineListView.as_view(), name="api-cart-lines"),
    path("cart/lines/<int:pk>/", cart.CartLineDetailView.as_view(), name="api-cart-line-detail"),
    path("checkout/quote/", checkout.CheckoutQuoteView.as_view(), name="api-checkout-quote"),
    path("checkout/", checkout.CheckoutView.as_view(), name="api-checkout"),
    path("buy-now/", buy_now.BuyNowView.as_view(), name="api-buy-now"),
    path("account/addresses/", saved_details.SavedAddressListView.as_view(), name="api-saved-addresses"),
    path("account/cards/", saved_details.SavedCardListView.as_view(), name="api-saved-cards"),
    path("orders/", orders.OrderListView.as_view(), name="api-order-list"),
    path("orders/<str:number>/", orders.OrderDetailView.as_view(), name="api-order-detail"),
    path("orders/<str:number>/cancel/", orders.OrderCancelView.as_view(), name="api-order-cancel"),
    path("orders/<str:number>/payment/", orders.OrderPaymentView.as_view(), name="api-order-payment"),
    path("orders/<str:number>/returns/", returns.OrderReturnListView.as_view(), name="api-order-returns"),
    path(
        "orders/<str:number>/returns/<str:return_number>/",
        returns.OrderReturnDetailView.as_view(),
        name="api-order-return-detail",
    ),
    path(
        "orders/<str:number>/returns/<str:return_number>/label/",
        returns.OrderReturnLabelView.as_view(),
        name="api-order-return-label",
    ),
]
