"""Creator studio API: an approved creator's posts (upload, caption, publish) and product tags.

Everything is scoped to the requesting user's creator profile: another creator's post or tag
answers 404, as if it did not exist. Serializers validate shapes; every write is a service call.
"""

from functools import cached_property

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from creators.api.serializers_studio import (
    PostUpdateSerializer,
    PostUploadSerializer,
    StudioPostSerializer,
    StudioTagSerializer,
    TaggableProductSerializer,
    TagUpdateSerializer,
    TagWriteSerializer,
)
from creators.models import Creator, ProductTag, VideoPost
from creators.services import posts, profiles, tags
from creators.studio import selectors
from creators.uploads import content_length_too_large, install_video_upload_limit, too_large_message
from marketplace.api_errors import DomainError, error_response

FORBIDDEN = error_response("Not logged in, or not an approved creator.")
INVALID = error_response("The input is invalid; `fields` names each problem.")
TOO_LARGE = error_response("The upload is over the size limit (`code` `too_large`); nothing was stored.")


def _not_found(what: str) -> dict:
    return {404: error_response(f"No {what} of yours has this id.")}


def _domain_error(error: DjangoValidationError, status_code: int = 400) -> DomainError:
    """A service's ValidationError as the API's error body, keeping its code and fields."""
    fields = error.message_dict if hasattr(error, "error_dict") else {}
    codes = [item.code for items in getattr(error, "error_dict", {}).values() for item in items] or [
        getattr(error, "code", None)
    ]
    code = next((code for code in codes if code), "invalid")
    return DomainError(code, " ".join(error.messages), fields, status_code=status_code)


class IsApprovedCreator(BasePermission):
    message = "Only approved creators can use the creator API."

    def has_permission(self, request: Request, view: "StudioAPIView") -> bool:
        creator = view.creator
        if creator is None:
            return False
        if not creator.is_approved:
            raise DomainError(
                "creator_not_approved",
                f"Your creator profile is {creator.get_status_display().lower()}; only approved creators can do this.",
                status_code=403,
            )
        return True


@extend_schema(tags=["creator"])
class StudioAPIView(generics.GenericAPIView):
    """Base of the creator endpoints: the requesting user's creator profile and scoped look-ups."""

    permission_classes = [IsAuthenticated, IsApprovedCreator]

    @cached_property
    def creator(self) -> Creator | None:
        return profiles.creator_for_user(user=self.request.user)

    def schema_only(self) -> bool:
        return getattr(self, "swagger_fake_view", False)

    def get_post(self) -> VideoPost:
        post = selectors.post_of_creator(creator=self.creator, post_id=self.kwargs["pk"])
        if post is None:
            raise exceptions.NotFound("No post of yours has this id.")
        return post

    def get_tag(self) -> ProductTag:
        tag = selectors.tag_of_creator(creator=self.creator, tag_id=self.kwargs["pk"])
        if tag is None:
            raise exceptions.NotFound("No tag of yours has this id.")
        return tag

    def render_post(self, post_id: int, status_code: int = 200) -> Response:
        post = selectors.post_of_creator(creator=self.creator, post_id=post_id)
        return Response(StudioPostSerializer(post, context=self.get_serializer_context()).data, status=status_code)


# ---------------------------------------------------------------- posts


@extend_schema_view(
    get=extend_schema(summary="List your posts", responses={200: StudioPostSerializer(many=True), 403: FORBIDDEN}),
    post=extend_schema(
        summary="Upload a video",
        description="Multipart upload checked by content (a video stream; MP4, MOV or WebM; H.264, HEVC, VP9 or "
        "AV1; duration and size limits). The size limit is enforced while the body arrives. The post starts in "
        "`processing`; a background task makes the poster and a browser-ready MP4, then `ready` (or `failed`).",
        request={"multipart/form-data": PostUploadSerializer},
        responses={201: StudioPostSerializer, 400: INVALID, 403: FORBIDDEN, 413: TOO_LARGE},
    ),
)
class StudioPostListCreateView(StudioAPIView, generics.ListCreateAPIView):
    """Your posts in any status, newest first, with their tags."""

    serializer_class = StudioPostSerializer
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs) -> Request:
        if request.method == "POST":
            # Before anything (authentication's CSRF check included) reads the body.
            install_video_upload_limit(request)
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request: Request, *args, **kwargs) -> None:
        if request.method == "POST" and content_length_too_large(request._request):
            message = too_large_message()
            raise DomainError("too_large", message, {"video": [message]}, status_code=413)
        super().initial(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[VideoPost]:
        if self.schema_only():
            return VideoPost.objects.none()
        return selectors.studio_posts_with_tags(creator=self.creator)

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = request.data  # parses the body through the size-limit handler
        if getattr(request._request, "upload_too_large", False):
            message = too_large_message()
            raise DomainError("too_large", message, {"video": [message]}, status_code=413)
        serializer = PostUploadSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        try:
            post = posts.create_post_from_upload(
                creator=self.creator,
                upload=serializer.validated_data["video"],
                caption=serializer.validated_data.get("caption", ""),
            )
        except DjangoValidationError as error:
            raise _domain_error(error) from error
        return self.render_post(post.pk, status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="Show one of your posts", responses={200: StudioPostSerializer, 403: FORBIDDEN, **_not_found("post")}
    ),
    patch=extend_schema(
        summary="Change a post's caption",
        request=PostUpdateSerializer,
        responses={200: StudioPostSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("post")},
    ),
    delete=extend_schema(
        summary="Delete a post",
        description="Deletes the post, its tags and its files.",
        responses={204: None, 403: FORBIDDEN, **_not_found("post")},
    ),
)
class StudioPostDetailView(StudioAPIView):
    serializer_class = StudioPostSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    queryset = VideoPost.objects.none()  # for the schema

    def get(self, request: Request, pk: int) -> Response:
        return Response(StudioPostSerializer(self.get_post(), context=self.get_serializer_context()).data)

    def patch(self, request: Request, pk: int) -> Response:
        post = self.get_post()
        serializer = PostUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            posts.update_post(post=post, caption=serializer.validated_data["caption"])
        except DjangoValidationError as error:
            raise _domain_error(error) from error
        return self.render_post(post.pk)

    def delete(self, request: Request, pk: int) -> Response:
        posts.delete_post(post=self.get_post())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _post_action_view(action, summary: str, description: str, name: str):
    @extend_schema(
        summary=summary,
        description=description,
        request=None,
        responses={200: StudioPostSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("post")},
    )
    class View(StudioAPIView):
        serializer_class = StudioPostSerializer
        queryset = VideoPost.objects.none()  # for the schema

        def post(self, request: Request, pk: int) -> Response:
            post = self.get_post()
            try:
                action(post=post)
            except DjangoValidationError as error:
                raise _domain_error(error) from error
            return self.render_post(post.pk)

    View.__name__ = View.__qualname__ = name
    return View


StudioPostPublishView = _post_action_view(
    posts.publish_post, "Publish a post", "Only a `ready` post of an approved creator.", "StudioPostPublishView"
)
StudioPostUnpublishView = _post_action_view(
    posts.unpublish_post, "Unpublish a post", "The post becomes a draft only you see.", "StudioPostUnpublishView"
)
StudioPostRetryView = _post_action_view(
    posts.retry_post, "Retry processing", "Only a `failed` post: processing starts again.", "StudioPostRetryView"
)


# ---------------------------------------------------------------- tags


@extend_schema_view(
    get=extend_schema(
        summary="List a post's tags",
        responses={200: StudioTagSerializer(many=True), 403: FORBIDDEN, **_not_found("post")},
    ),
    post=extend_schema(
        summary="Tag a product in a post",
        description=f"At most {tags.MAX_TAGS_PER_POST} tags per post; the start within the video's duration.",
        request=TagWriteSerializer,
        responses={201: StudioTagSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("post")},
    ),
)
class StudioPostTagsView(StudioAPIView):
    serializer_class = StudioTagSerializer
    parser_classes = [JSONParser, FormParser]
    pagination_class = None  # at most MAX_TAGS_PER_POST
    queryset = ProductTag.objects.none()  # for the schema

    def get(self, request: Request, pk: int) -> Response:
        post = self.get_post()
        return Response(StudioTagSerializer(post.tags.all(), many=True).data)

    def post(self, request: Request, pk: int) -> Response:
        post = self.get_post()
        serializer = TagWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            tag = tags.add_tag(
                post=post,
                product_id=data["product"],
                start_seconds=data["start_seconds"],
                end_seconds=data.get("end_seconds"),
                position_x=data.get("position_x"),
                position_y=data.get("position_y"),
            )
        except DjangoValidationError as error:
            raise _domain_error(error) from error
        tag = selectors.tag_of_creator(creator=self.creator, tag_id=tag.pk)
        return Response(StudioTagSerializer(tag).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(
        summary="Change a tag",
        description="Times and position; `product` relinks the tag to another taggable product.",
        request=TagUpdateSerializer,
        responses={200: StudioTagSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("tag")},
    ),
    delete=extend_schema(summary="Delete a tag", responses={204: None, 403: FORBIDDEN, **_not_found("tag")}),
)
class StudioTagDetailView(StudioAPIView):
    serializer_class = StudioTagSerializer
    parser_classes = [JSONParser, FormParser]
    queryset = ProductTag.objects.none()  # for the schema

    def patch(self, request: Request, pk: int) -> Response:
        tag = self.get_tag()
        serializer = TagUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        times = {
            name: data.get(name, getattr(tag, name))
            for name in ("start_seconds", "end_seconds", "position_x", "position_y")
        }
        try:
            with_times = any(name in data for name in times)
            if "product" in data:
                tags.relink_tag(tag=tag, product_id=data["product"])
            if with_times:
                tags.update_tag(tag=tag, **times)
        except DjangoValidationError as error:
            raise _domain_error(error) from error
        return Response(StudioTagSerializer(selectors.tag_of_creator(creator=self.creator, tag_id=tag.pk)).data)

    def delete(self, request: Request, pk: int) -> Response:
        tags.delete_tag(tag=self.get_tag())
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- products


@extend_schema(
    summary="Search products you can tag",
    description="Active products whose seller offers creators a commission (rate above 0), by title.",
    parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Part of the product's title.")],
    responses={200: TaggableProductSerializer(many=True), 403: FORBIDDEN},
)
class TaggableProductListView(StudioAPIView, generics.ListAPIView):
    serializer_class = TaggableProductSerializer

    def get_queryset(self) -> QuerySet:
        if self.schema_only():
            return tags.taggable_products().none()
        return tags.taggable_products(q=self.request.query_params.get("q", "")[:100])
