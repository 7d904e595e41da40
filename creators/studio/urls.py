from django.urls import path

from creators.studio import views

app_name = "studio"

urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("profile/", views.profile, name="profile"),
    path("upload/", views.upload, name="upload"),
    path("uploads/", views.direct_upload_start, name="direct-upload-start"),
    path("uploads/<int:pk>/", views.direct_upload_status, name="direct-upload"),
    path("uploads/<int:pk>/complete/", views.direct_upload_complete, name="direct-upload-complete"),
    path("products/", views.product_search, name="products"),
    path("posts/<int:pk>/", views.post_edit, name="post"),
    path("posts/<int:pk>/caption/", views.post_caption, name="post-caption"),
    path("posts/<int:pk>/publish/", views.post_publish, name="post-publish"),
    path("posts/<int:pk>/unpublish/", views.post_unpublish, name="post-unpublish"),
    path("posts/<int:pk>/retry/", views.post_retry, name="post-retry"),
    path("posts/<int:pk>/media/<str:filename>", views.post_media, name="post-media"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post-delete"),
    path("posts/<int:pk>/tags/", views.tag_add, name="tag-add"),
    path("tags/<int:pk>/", views.tag_edit, name="tag-edit"),
    path("tags/<int:pk>/relink/", views.tag_relink, name="tag-relink"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag-delete"),
]
