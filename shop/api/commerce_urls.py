from django.urls import path

from shop.api import cart, checkout, orders

urlpatterns = [
    path("cart/", cart.CartView.as_view(), name="api-cart"),
    path("cart/lines/", cart.CartLineListView.as_view(), name="api-cart-lines"),
    path("cart/lines/<int:pk>/", cart.CartLineDetailView.as_view(), name="api-cart-line-detail"),
    path("checkout/quote/", checkout.CheckoutQuoteView.as_view(), name="api-checkout-quote"),
    path("checkout/", checkout.CheckoutView.as_view(), name="api-checkout"),
    path("orders/", orders.OrderListView.as_view(), name="api-order-list"),
    path("orders/<str:number>/", orders.OrderDetailView.as_view(), name="api-order-detail"),
    path("orders/<str:number>/payment/", orders.OrderPaymentView.as_view(), name="api-order-payment"),
]
