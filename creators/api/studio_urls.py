from django.urls import path

from creators.api import studio

urlpatterns = [
    path("posts/", studio.StudioPostListCreateView.as_view(), name="api-creator-posts"),
    path("posts/<int:pk>/", studio.StudioPostDetailView.as_view(), name="api-creator-post"),
    path("posts/<int:pk>/publish/", studio.StudioPostPublishView.as_view(), name="api-creator-post-publish"),
    path("posts/<int:pk>/unpublish/", studio.StudioPostUnpublishView.as_view(), name="api-creator-post-unpublish"),
    path("posts/<int:pk>/retry/", studio.StudioPostRetryView.as_view(), name="api-creator-post-retry"),
    path("posts/<int:pk>/tags/", studio.StudioPostTagsView.as_view(), name="api-creator-post-tags"),
    path("tags/<int:pk>/", studio.StudioTagDetailView.as_view(), name="api-creator-tag"),
    path("products/", studio.TaggableProductListView.as_view(), name="api-creator-products"),
]
