"""The public feed API: read-only, open to anyone; a draft only for its own creator."""

from django.http import HttpResponse
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from creators import selectors
from creators.api.serializers_feed import (
    CreatorProfileSerializer,
    FeedPageSerializer,
    FeedPostSerializer,
    feed_page_json,
)
from marketplace.api_errors import DomainError, error_response
from marketplace.page_cache import cache_public_page


@extend_schema(
    tags=["feed"],
    summary="List feed posts",
    parameters=[
        OpenApiParameter("cursor", str, description="`next_cursor` of the previous page; omit for the newest posts."),
        OpenApiParameter("limit", int, description="Posts per page, 1 to 30 (default 10)."),
        OpenApiParameter("tag", str, description="Only posts whose caption has this hashtag (without `#`)."),
    ],
    responses={
        200: FeedPageSerializer,
        400: error_response("The cursor is not one we made, or the limit is not 1 to 30."),
    },
)
@method_decorator(cache_public_page, name="dispatch")
class FeedView(APIView):
    """Published posts, newest first, with their tagged products; 10 a page (`limit` up to 30), then `next_cursor`."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> HttpResponse:
        limit = request.query_params.get("limit") or str(selectors.FEED_PAGE_SIZE)
        if not limit.isdigit() or not 1 <= int(limit) <= selectors.MAX_FEED_PAGE_SIZE:
            message = f"Ensure limit is a whole number from 1 to {selectors.MAX_FEED_PAGE_SIZE}."
            raise DomainError("invalid", "Invalid input: limit.", {"limit": [message]})
        try:
            # No viewer: an item says nothing of who reads it, so every reader shares it.
            page = selectors.feed_posts_for_page(
                before_cursor=request.query_params.get("cursor") or None,
                limit=int(limit),
                hashtag=selectors.normalise_hashtag(request.query_params.get("tag")),
            )
        except selectors.InvalidCursor as exc:
            raise DomainError(
                "invalid_cursor", "This cursor is not valid.", {"cursor": ["Use a next_cursor from a page."]}
            ) from exc
        # What FeedPageSerializer gives, rendered as JSON (the only renderer), its items shared through the cache.
        return HttpResponse(feed_page_json(page, context={"request": request}), content_type="application/json")


@extend_schema(
    tags=["feed"],
    summary="Show a post",
    responses={200: FeedPostSerializer, 404: error_response("No published post has this id.")},
)
@method_decorator(cache_public_page, name="dispatch")
class PostDetailView(APIView):
    """A published post with its tags; its creator also sees it as a draft."""

    permission_classes = [AllowAny]

    def get(self, request: Request, post_id: int) -> Response:
        post = selectors.post_detail(post_id=post_id, viewer=request.user)
        if post is None:
            raise exceptions.NotFound("No published post has this id.")
        return Response(FeedPostSerializer(post, context={"request": request}).data)


@extend_schema(
    tags=["feed"],
    summary="Show a creator",
    responses={200: CreatorProfileSerializer, 404: error_response("No approved creator has this handle.")},
)
@method_decorator(cache_public_page, name="dispatch")
class CreatorProfileView(APIView):
    """An approved creator with their published posts (and tags) and the products they tag."""

    permission_classes = [AllowAny]

    def get(self, request: Request, handle: str) -> Response:
        profile = selectors.creator_profile(handle=handle, with_tags=True)
        if profile is None:
            raise exceptions.NotFound("No approved creator has this handle.")
        return Response(CreatorProfileSerializer(profile, context={"request": request}).data)
