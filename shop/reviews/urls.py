from django.urls import path

from shop.reviews import views

urlpatterns = [
    path("account/reviews/", views.my_reviews, name="my-reviews"),
    path("account/reviews/write/<int:line_id>/", views.write_review, name="review-write"),
    path("account/reviews/<int:review_id>/edit/", views.change_review, name="review-edit"),
    path("reviews/<int:review_id>/report/", views.report, name="review-report"),
]
