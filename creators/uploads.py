"""Refuse an oversized video while it arrives, not after it has been written to disk.

Install per view, before anything reads the body (`request.upload_handlers.insert(0, ...)`): Django
builds `request.FILES` with the handlers present at the first access. The view must be csrf_exempt
and csrf_protect an inner function, because the CSRF check reads `request.POST` and would parse the
upload first (Django docs, "Modifying upload handlers on the fly").
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

# Room for the multipart boundaries and the small text fields (caption) around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def max_video_bytes() -> int:
    return settings.CREATOR_VIDEO_MAX_BYTES


def too_large_message(max_bytes: int | None = None) -> str:
    return f"This video is larger than {filesizeformat(max_bytes or max_video_bytes())}, the limit."


def content_length_too_large(request: HttpRequest, max_bytes: int | None = None) -> bool:
    """True when the declared body size alone proves the upload is over the limit (nothing read yet)."""
    limit = (max_bytes or max_video_bytes()) + MULTIPART_OVERHEAD_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return declared > limit


class VideoSizeLimitUploadHandler(FileUploadHandler):
    """Counts the bytes of uploaded files and stops the upload once they pass the limit.

    It passes every chunk on to the next handler (memory or temporary file), so it only adds a
    counter. When it stops the upload, Django closes (and so deletes) the partial temporary file,
    `request.FILES` lacks the file, and `request.upload_too_large` tells the view why.
    """

    def __init__(self, request: HttpRequest | None = None, max_bytes: int | None = None) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes or max_video_bytes()
        self.received = 0
        if request is not None:
            request.upload_too_large = False
            request.upload_bytes_received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.request is not None:
            self.request.upload_bytes_received = self.received
        if self.received > self.max_bytes:
            if self.request is not None:
                self.request.upload_too_large = True
            # The up-front Content-Length check leaves at most MULTIPART_OVERHEAD_BYTES unread here, so
            # draining them (connection_reset=False) is cheap and lets the browser read our answer.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_video_upload_limit(request: HttpRequest, max_bytes: int | None = None) -> VideoSizeLimitUploadHandler:
    """Put the counting handler first on this request; call before anything reads the body."""
    handler = VideoSizeLimitUploadHandler(request, max_bytes)
    request.upload_handlers.insert(0, handler)
    return handler
