"""Facts creators announce (marketplace.outbox): media work for the `media` queue (uploads, publication)."""

from marketplace.outbox import Event

video_uploaded = Event("creators.video_uploaded", doc="post_id: probe, poster and transcode it")
post_visibility_changed = Event(
    "creators.post_visibility_changed", doc="post_id: make or delete its public copies (published or not)"
)
avatar_uploaded = Event("creators.avatar_uploaded", doc="creator_id: make the avatar's renditions")
