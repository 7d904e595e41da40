from django.urls import path, re_path

from creators.feed import buy_now_views, views

urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("feed/following/", views.following_feed, name="feed-following"),
    path("feed/page/", views.feed_page, name="feed-page"),
    path("feed/events/", views.events, name="feed-events"),
    path("feed/sheet/<int:tag_id>/", views.sheet, name="feed-sheet"),
    path("feed/sheet/<int:tag_id>/add/", views.sheet_add, name="feed-sheet-add"),
    path("feed/sheet/<int:tag_id>/buy/confirm/", buy_now_views.sheet_buy_confirm, name="feed-sheet-buy-confirm"),
    path("feed/sheet/<int:tag_id>/buy/", buy_now_views.sheet_buy, name="feed-sheet-buy"),
    path("feed/buy-now/return/", buy_now_views.buy_now_return, name="feed-buy-now-return"),
    path("v/<int:post_id>/", views.post, name="feed-post"),
    path("v/<int:post_id>/like/", views.like_post, name="feed-post-like"),
    path("v/<int:post_id>/tags.vtt", views.post_tags_vtt, name="feed-post-tags"),
    re_path(r"^@(?P<handle>[a-z0-9][a-z0-9_.]{1,28}[a-z0-9])/$", views.creator_profile, name="feed-creator"),
    re_path(
        r"^@(?P<handle>[a-z0-9][a-z0-9_.]{1,28}[a-z0-9])/follow/$", views.follow_creator, name="feed-creator-follow"
    ),
]
