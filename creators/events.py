"""Facts creators announce (marketplace.outbox): uploads whose media work runs on the `media` queue."""

from marketplace.outbox import Event

video_uploaded = Event("creators.video_uploaded", doc="post_id: probe, poster and transcode it")
avatar_uploaded = Event("creators.avatar_uploaded", doc="creator_id: make the avatar's renditions")
