"""Search suggestions for apps: what the search box shows as the shopper types (read-only, open to anyone)."""

from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from creators import selectors_search
from creators.api.serializers_feed import CreatorSummarySerializer, _absolute
from marketplace.api_errors import DomainError, error_response
from marketplace.page_cache import cache_public_page

MAX_QUERY_LENGTH = 200


class SuggestedProductSerializer(serializers.Serializer):
    title = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The product's page.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, product) -> str:
        return _absolute(self.context, product.get_absolute_url())


class SuggestedPostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    caption = serializers.CharField(read_only=True)
    creator = CreatorSummarySerializer(read_only=True)
    url = serializers.SerializerMethodField(help_text="The post's page.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, post) -> str:
        return _absolute(self.context, reverse("feed-post", args=[post.pk]))


class SuggestionsSerializer(serializers.Serializer):
    products = SuggestedProductSerializer(many=True, read_only=True)
    creators = CreatorSummarySerializer(many=True, read_only=True)
    posts = SuggestedPostSerializer(many=True, read_only=True)


@extend_schema(
    tags=["catalog"],
    summary="Suggest products, creators and posts for a search",
    parameters=[OpenApiParameter("q", str, description="What the shopper has typed (2 to 200 characters).")],
    responses={200: SuggestionsSerializer, 400: error_response("`q` is longer than 200 characters.")},
)
@method_decorator(cache_public_page, name="dispatch")
class SuggestionsView(APIView):
    """Up to 4 each of products, creators and posts matching what was typed, forgiving typos; empty lists under
    2 characters."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        if len(query) > MAX_QUERY_LENGTH:
            raise DomainError("invalid", "Invalid input: q.", {"q": [f"At most {MAX_QUERY_LENGTH} characters."]})
        found = selectors_search.suggestions(query=query)
        return Response(SuggestionsSerializer(found, context={"request": request}).data)
