"""API token endpoint: username and password in, token out; password guessing is throttled."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace import login_throttle
from marketplace.api_errors import DomainError, error_response

BAD_CREDENTIALS_MESSAGE = "Unable to log in with this username and password."


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send it as the header "Authorization: Token <token>".')


class ObtainTokenView(APIView):
    """Exchange a username and password for the user's API token (the same token every time)."""

    authentication_classes: list = []  # credentials come in the body; no session, so no CSRF
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="Get an API token",
        request=CredentialsSerializer,
        responses={
            200: TokenSerializer,
            400: error_response("Missing fields, or a wrong username or password (`code` invalid_credentials)."),
            429: error_response(
                "Too many failed attempts (`code` throttled), refused before the password is checked: for this "
                "account from this address, or from this address, until the window passes; or for this account "
                "from many addresses, where only an address that logged into it before may try."
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        refusal = login_throttle.refusal(request, username)
        if refusal is not None:
            raise exceptions.Throttled(detail=refusal.message)
        user = authenticate(request, username=username, password=serializer.validated_data["password"])
        if user is None:
            login_throttle.record_failure(request, username)
            raise DomainError("invalid_credentials", BAD_CREDENTIALS_MESSAGE)
        login_throttle.record_success(request, username)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, headers={"Cache-Control": "no-store"})
