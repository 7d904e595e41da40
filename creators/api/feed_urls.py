from django.urls import path

from creators.api import feed, search

urlpatterns = [
    path("feed/", feed.FeedView.as_view(), name="api-feed"),
    path("search/suggestions/", search.SuggestionsView.as_view(), name="api-search-suggestions"),
    path("posts/<int:post_id>/", feed.PostDetailView.as_view(), name="api-feed-post"),
    path("creators/<str:handle>/", feed.CreatorProfileView.as_view(), name="api-feed-creator"),
]
