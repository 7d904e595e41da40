"""Where a shopper who left a video to pay goes back to: the post and the second (`?post=<id>&t=<seconds>`).

Carried from the feed's "Buy now" through the checkout page to Stripe Checkout's success URL, so the
success page lands on the same post at the same second.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

MAX_SECONDS = 86400


@dataclass(frozen=True)
class BackToPost:
    post: int
    t: str  # seconds, as "12.3"

    def params(self) -> dict[str, str]:
        return {"post": str(self.post), "t": self.t}

    def post_url(self, **extra: str) -> str:
        """The post's page at this second (and `extra` parameters, e.g. the order number)."""
        return reverse("feed-post", args=[self.post]) + "?" + urlencode({"t": self.t, **extra})


def back_to_post_from(params) -> BackToPost | None:
    """The post and second in request parameters; None when missing or not a post id and a time."""
    post, seconds = (params.get("post") or "").strip(), (params.get("t") or "").strip()
    if not post.isdigit() or len(post) > 18 or int(post) < 1:
        return None
    try:
        value = float(seconds or "0")
    except ValueError:
        return None
    if not 0 <= value <= MAX_SECONDS:
        return None
    return BackToPost(post=int(post), t=f"{value:.1f}")
