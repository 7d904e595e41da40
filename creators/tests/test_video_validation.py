"""Upload validation by content, poster frames and transcoding, on clips encoded in the test."""

from fractions import Fraction

import av
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from creators.tests.studio_helpers import huge_clip  # noqa: F401  (fixture)
from marketplace.video import (
    extract_poster,
    make_test_clip,
    mp4_top_level_boxes,
    needs_transcode,
    probe_video,
    transcode_to_mp4,
    validate_video,
    write_test_audio,
)

LIMITS = {"max_seconds": 600, "max_bytes": 500 * 1024 * 1024}
W, H = 160, 284


def _code(excinfo) -> str:
    return excinfo.value.code


def test_a_valid_h264_mp4_passes_with_its_duration_and_size(tmp_path):
    clip = make_test_clip(tmp_path / "ok.mp4", seconds=1, width=W, height=H)

    info = validate_video(clip, **LIMITS)

    assert info.container == "mp4"
    assert info.codec == "h264"
    assert info.duration_seconds == pytest.approx(1.0, abs=0.1)
    assert (info.width, info.height) == (W, H)
    assert not info.has_audio
    assert not needs_transcode(info)


def test_an_uploaded_file_object_is_validated_too(tmp_path):
    clip = make_test_clip(tmp_path / "ok.mp4", seconds=1, width=W, height=H, with_audio=True)
    upload = SimpleUploadedFile("whatever.bin", clip.read_bytes(), content_type="application/octet-stream")

    info = validate_video(upload, **LIMITS)

    assert (info.codec, info.audio_codec) == ("h264", "aac")
    assert not needs_transcode(info)
    assert upload.tell() == 0  # left ready to be stored


def test_a_10000x10000_video_is_refused_by_its_resolution(huge_clip):  # noqa: F811
    with pytest.raises(ValidationError) as excinfo:
        validate_video(huge_clip, **LIMITS)

    assert _code(excinfo) == "too_many_pixels"
    assert excinfo.value.messages == [
        "This video is 10000\u00d710000 pixels; the largest accepted is 4096 pixels on its longest side and "
        "8.8 megapixels a frame. Export it at 4K or less."
    ]


@pytest.mark.parametrize(
    ("limits", "accepted"),
    [
        ({"max_side": H, "max_pixels": W * H}, True),
        ({"max_side": H - 1, "max_pixels": W * H}, False),
        ({"max_side": H, "max_pixels": W * H - 1}, False),
    ],
    ids=["exactly at both limits", "one pixel too tall", "one pixel too many"],
)
def test_the_resolution_limits_are_inclusive(tmp_path, limits, accepted):
    clip = make_test_clip(tmp_path / "ok.mp4", seconds=1 / 24, width=W, height=H)

    if accepted:
        assert validate_video(clip, **LIMITS, **limits).height == H
    else:
        with pytest.raises(ValidationError, match=f"This video is {W}\u00d7{H} pixels"):
            validate_video(clip, **LIMITS, **limits)


def test_a_text_file_named_mp4_is_refused(tmp_path):
    fake = tmp_path / "movie.mp4"
    fake.write_text("this is not a video, just text pretending to be one\n" * 20)

    with pytest.raises(ValidationError, match="not a video we can read") as excinfo:
        validate_video(fake, **LIMITS)
    assert _code(excinfo) == "unreadable"


def test_a_playlist_is_never_handed_to_ffmpeg_probing(tmp_path):
    playlist = tmp_path / "clip.mp4"
    playlist.write_text("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")

    with pytest.raises(ValidationError) as excinfo:
        validate_video(playlist, **LIMITS)
    assert _code(excinfo) == "unreadable"


def test_an_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")

    with pytest.raises(ValidationError) as excinfo:
        validate_video(empty, **LIMITS)
    assert _code(excinfo) == "unreadable"


def test_an_audio_only_file_is_refused(tmp_path):
    path = tmp_path / "song.mp4"
    with av.open(str(path), mode="w", format="mp4") as output:
        stream = output.add_stream("aac", rate=48000)
        stream.layout = "mono"
        write_test_audio(output, stream, 1.0)

    with pytest.raises(ValidationError, match="no video stream") as excinfo:
        validate_video(path, **LIMITS)
    assert _code(excinfo) == "no_video_stream"


def test_a_too_long_clip_is_refused(tmp_path):
    clip = make_test_clip(tmp_path / "long.mp4", seconds=2, width=W, height=H)

    with pytest.raises(ValidationError, match="the limit is 1 s") as excinfo:
        validate_video(clip, max_seconds=1, max_bytes=LIMITS["max_bytes"])
    assert _code(excinfo) == "too_long"


def test_a_too_large_file_is_refused_before_it_is_opened(tmp_path):
    clip = make_test_clip(tmp_path / "big.mp4", seconds=1, width=W, height=H)

    with pytest.raises(ValidationError, match="the limit is") as excinfo:
        validate_video(clip, max_seconds=600, max_bytes=clip.stat().st_size - 1)
    assert _code(excinfo) == "too_large"


def test_a_matroska_file_is_refused_as_a_container(tmp_path):
    clip = make_test_clip(tmp_path / "clip.webm", seconds=1, width=W, height=H, codec="libvpx-vp9", container="webm")
    mkv = tmp_path / "clip.mkv"
    with av.open(str(clip)) as source, av.open(str(mkv), mode="w", format="matroska") as output:
        in_stream = source.streams.video[0]
        out_stream = output.add_stream_from_template(in_stream)
        for packet in source.demux(in_stream):
            if packet.dts is not None:
                packet.stream = out_stream
                output.mux(packet)

    with pytest.raises(ValidationError, match="MP4, MOV or WebM") as excinfo:
        validate_video(mkv, **LIMITS)
    assert _code(excinfo) == "container"


def test_a_codec_outside_the_list_is_refused(tmp_path):
    path = tmp_path / "mjpeg.mov"
    with av.open(str(path), mode="w", format="mov") as output:
        stream = output.add_stream("mjpeg", rate=24)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuvj420p"
        stream.codec_context.time_base = Fraction(1, 24)
        for index in range(24):
            frame = av.VideoFrame(W, H, "yuvj420p")
            frame.pts, frame.time_base = index, Fraction(1, 24)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))

    with pytest.raises(ValidationError, match=r"H\.264, HEVC, VP9 or AV1") as excinfo:
        validate_video(path, **LIMITS)
    assert _code(excinfo) == "codec"


def test_a_vp9_webm_is_accepted_and_needs_a_transcode(tmp_path):
    clip = make_test_clip(tmp_path / "clip.webm", seconds=1, width=W, height=H, codec="libvpx-vp9", container="webm")

    info = validate_video(clip, **LIMITS)

    assert (info.container, info.codec) == ("webm", "vp9")
    assert needs_transcode(info)


def test_an_hevc_mov_is_accepted_and_needs_a_transcode(tmp_path):
    clip = make_test_clip(tmp_path / "clip.mov", seconds=1, width=W, height=H, codec="libx265", container="mov")

    info = validate_video(clip, **LIMITS)

    assert (info.container, info.codec) == ("mov", "hevc")
    assert needs_transcode(info)


def test_transcode_makes_a_fast_start_h264_aac_mp4(tmp_path):
    src = make_test_clip(
        tmp_path / "clip.webm", seconds=1, width=W, height=H, codec="libvpx-vp9", container="webm", with_audio=True
    )
    dst = tmp_path / "out.mp4"

    transcode_to_mp4(src, dst)

    boxes = mp4_top_level_boxes(dst)
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")
    info = probe_video(dst)
    assert (info.container, info.codec, info.audio_codec, info.pixel_format) == ("mp4", "h264", "aac", "yuv420p")
    assert (info.width, info.height) == (W, H)
    assert info.duration_seconds == pytest.approx(1.0, abs=0.1)
    assert not needs_transcode(info)


def test_the_poster_frame_has_the_clips_size(tmp_path):
    clip = make_test_clip(tmp_path / "clip.mp4", seconds=2, width=W, height=H)

    poster = extract_poster(clip, 1.0)
    past_the_end = extract_poster(clip, 30.0)

    assert poster.size == (W, H)
    assert poster.mode == "RGB"
    assert past_the_end.size == (W, H)
