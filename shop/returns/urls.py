from django.urls import path

from shop.returns import views

urlpatterns = [
    path("orders/<str:number>/returns/new/", views.return_new, name="order-return-new"),
    path(
        "orders/<str:number>/returns/<str:return_number>/label.pdf",
        views.return_label_pdf,
        name="order-return-label",
    ),
]
