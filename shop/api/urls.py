from django.urls import path

from shop.api import public, reviews, seller, seller_inbound, seller_money

urlpatterns = [
    path("products/", public.ProductListView.as_view(), name="api-product-list"),
    path("products/<slug:slug>/", public.ProductDetailView.as_view(), name="api-product-detail"),
    path("products/<slug:slug>/reviews/", reviews.ProductReviewListView.as_view(), name="api-product-reviews"),
    path("reviews/", reviews.ReviewCreateView.as_view(), name="api-review-create"),
    path("categories/", public.CategoryListView.as_view(), name="api-category-list"),
    path("seller/products/", seller.SellerProductListCreateView.as_view(), name="api-seller-product-list"),
    path("seller/products/<int:pk>/", seller.SellerProductDetailView.as_view(), name="api-seller-product-detail"),
    path(
        "seller/products/<int:pk>/variants/",
        seller.SellerVariantListCreateView.as_view(),
        name="api-seller-product-variants",
    ),
    path(
        "seller/products/<int:pk>/images/",
        seller.SellerProductImageUploadView.as_view(),
        name="api-seller-product-images",
    ),
    path("seller/variants/<int:pk>/", seller.SellerVariantDetailView.as_view(), name="api-seller-variant-detail"),
    path(
        "seller/variants/<int:pk>/stock/", seller.SellerVariantStockListView.as_view(), name="api-seller-variant-stock"
    ),
    path(
        "seller/variants/<int:pk>/stock/<str:warehouse_code>/",
        seller.SellerVariantStockView.as_view(),
        name="api-seller-variant-stock-set",
    ),
    path("seller/customs-profile/", seller.SellerCustomsProfileView.as_view(), name="api-seller-customs-profile"),
    path("seller/images/<int:pk>/", seller.SellerProductImageDeleteView.as_view(), name="api-seller-image-detail"),
    path("seller/returns/", seller.SellerReturnListView.as_view(), name="api-seller-returns"),
    path("seller/inbound/", seller_inbound.SellerInboundListCreateView.as_view(), name="api-seller-inbound-list"),
    path(
        "seller/inbound/<int:pk>/", seller_inbound.SellerInboundDetailView.as_view(), name="api-seller-inbound-detail"
    ),
    path(
        "seller/inbound/<int:pk>/cancel/",
        seller_inbound.SellerInboundCancelView.as_view(),
        name="api-seller-inbound-cancel",
    ),
    path("seller/orders/", seller_money.SellerOrderListView.as_view(), name="api-seller-orders"),
    path("seller/balance/", seller_money.SellerBalanceView.as_view(), name="api-seller-balance"),
    path("seller/transfers/", seller_money.SellerTransferListView.as_view(), name="api-seller-transfers"),
    path("seller/statement/", seller_money.SellerStatementView.as_view(), name="api-seller-statement"),
    path("seller/sales-by-month/", seller_money.SellerMonthsView.as_view(), name="api-seller-sales-by-month"),
    path("seller/payout-account/", seller_money.SellerPayoutAccountView.as_view(), name="api-seller-payout-account"),
]
