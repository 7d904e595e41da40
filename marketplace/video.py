"""Video files with PyAV (FFmpeg): probe, validate by content, poster frames, transcode, test clips.

Uploads are judged by what they hold, never by their name. Before FFmpeg sees a file, its first
bytes must look like ISO BMFF (MP4/MOV) or EBML (WebM), and the demuxer is then forced to `mov` or
`matroska`: FFmpeg's format probing would otherwise accept playlists (HLS, concat) that make it open
other files or URLs.
"""

from __future__ import annotations

import math
import os
from array import array
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import av
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw

ALLOWED_CONTAINERS = ("mp4", "mov", "webm")
ALLOWED_CODECS = ("h264", "hevc", "vp9", "av1")
CODEC_LABELS = {"h264": "H.264", "hevc": "HEVC (H.265)", "vp9": "VP9", "av1": "AV1"}
# Pixel formats every browser decodes (8-bit 4:2:0); anything else is transcoded.
PLAYABLE_PIXEL_FORMATS = ("yuv420p", "yuvj420p")

# Top-level ISO BMFF box types a real MP4/MOV may start with.
_BMFF_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_SNIFF_BYTES = 4096

PathOrFile = str | os.PathLike | IO[bytes] | Any


@dataclass(frozen=True)
class VideoInfo:
    container: str  # "mp4", "mov", "webm" (or "mkv" / "3gp", which validation refuses)
    codec: str  # FFmpeg's canonical codec name: "h264", "hevc", "vp9", "av1", ...
    duration_seconds: float
    width: int
    height: int
    has_audio: bool
    audio_codec: str | None
    pixel_format: str | None = None


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _unreadable() -> ValidationError:
    return _error("This file is not a video we can read. Upload an MP4, MOV or WebM video.", "unreadable")


# --- opening files safely ----------------------------------------------------------------------


def _source(path_or_file: PathOrFile) -> str | IO[bytes]:
    """A path for FFmpeg when there is one (Django's temporary uploads have one), else the file object."""
    if isinstance(path_or_file, str | os.PathLike):
        return os.fspath(path_or_file)
    temporary_path = getattr(path_or_file, "temporary_file_path", None)
    if callable(temporary_path):
        return temporary_path()
    return path_or_file


def _read_head(source: str | IO[bytes]) -> bytes:
    if isinstance(source, str):
        with open(source, "rb") as handle:
            return handle.read(_SNIFF_BYTES)
    source.seek(0)
    head = source.read(_SNIFF_BYTES)
    source.seek(0)
    return head


def _sniff_family(head: bytes) -> str | None:
    """'bmff' for MP4/MOV, 'ebml' for WebM/Matroska, None for anything else."""
    if len(head) >= 8 and head[4:8] in _BMFF_FIRST_BOXES:
        return "bmff"
    if head.startswith(_EBML_MAGIC):
        return "ebml"
    return None


def _container_name(family: str, head: bytes, container: Any) -> str:
    if family == "ebml":
        # The EBML header's DocType says "webm" or "matroska"; it sits in the first few dozen bytes.
        return "webm" if b"webm" in head[:64] else "mkv"
    brand = (container.metadata.get("major_brand") or "").strip().lower()
    if brand == "qt":
        return "mov"
    if brand.startswith("3g"):
        return "3gp"
    return "mp4"


def _open_input(source: str | IO[bytes]) -> tuple[Any, str, bytes]:
    """Open with the demuxer forced by the file's magic bytes; raise ValidationError when unreadable."""
    try:
        head = _read_head(source)
    except OSError as exc:
        raise _unreadable() from exc
    family = _sniff_family(head)
    if family is None:
        raise _unreadable()
    try:
        container = av.open(source, mode="r", format="mov" if family == "bmff" else "matroska")
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise _unreadable() from exc
    return container, family, head


def _codec_name(stream: Any) -> str:
    codec = stream.codec_context.codec
    return getattr(codec, "canonical_name", None) or codec.name


def _duration(container: Any, stream: Any) -> float | None:
    if container.duration:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    # Some muxers write no duration: read the packets (no decoding) and take the last timestamp.
    last = None
    for packet in container.demux(stream):
        if packet.pts is not None and packet.time_base is not None:
            end = packet.pts + (packet.duration or 0)
            last = end if last is None else max(last, end)
    if last is None:
        return None
    return float(last * stream.time_base)


# --- public API --------------------------------------------------------------------------------


def probe_video(path_or_file: PathOrFile) -> VideoInfo:
    """Read container, codecs, duration and size of a video. ValidationError when it holds no video."""
    source = _source(path_or_file)
    container, family, head = _open_input(source)
    try:
        if not container.streams.video:
            raise _error("This file has no video stream (audio only?). Upload a video.", "no_video_stream")
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        width, height = video.codec_context.width, video.codec_context.height
        if not width or not height:
            raise _unreadable()
        duration = _duration(container, video)
        if duration is None:
            raise _error("We could not tell how long this video is. Try exporting it again.", "unreadable")
        pix_fmt = video.codec_context.format.name if video.codec_context.format else None
        return VideoInfo(
            container=_container_name(family, head, container),
            codec=_codec_name(video),
            duration_seconds=round(duration, 3),
            width=width,
            height=height,
            has_audio=audio is not None,
            audio_codec=_codec_name(audio) if audio is not None else None,
            pixel_format=pix_fmt,
        )
    except (av.FFmpegError, EOFError) as exc:
        raise _unreadable() from exc
    finally:
        container.close()
        if not isinstance(source, str):
            source.seek(0)


def _file_size(path_or_file: PathOrFile) -> int | None:
    if isinstance(path_or_file, str | os.PathLike):
        return os.path.getsize(path_or_file)
    size = getattr(path_or_file, "size", None)
    if size is not None:
        return int(size)
    try:
        position = path_or_file.tell()
        path_or_file.seek(0, os.SEEK_END)
        end = path_or_file.tell()
        path_or_file.seek(position)
        return end
    except (AttributeError, OSError):
        return None


def _human_bytes(count: int) -> str:
    return f"{count / (1024 * 1024):.0f} MB" if count >= 1024 * 1024 else f"{count} bytes"


def _human_seconds(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _resolution_problem(info: VideoInfo, *, max_pixels: int, max_side: int) -> str | None:
    if max(info.width, info.height) <= max_side and info.width * info.height <= max_pixels:
        return None
    return (
        f"This video is {info.width}\u00d7{info.height} pixels; the largest accepted is {max_side} pixels on its "
        f"longest side and {max_pixels / 1_000_000:.1f} megapixels a frame. Export it at 4K or less."
    )


def validate_video(
    file: PathOrFile,
    *,
    max_seconds: float,
    max_bytes: int,
    max_pixels: int | None = None,
    max_side: int | None = None,
) -> VideoInfo:
    """Check an upload by its content; return its VideoInfo or raise ValidationError saying what is wrong.

    The resolution limits default to settings.CREATOR_VIDEO_MAX_PIXELS and CREATOR_VIDEO_MAX_SIDE: every
    frame of a huge video would be decoded for the poster and the transcode (10000x10000 is 150 MB a frame).
    """
    size = _file_size(file)
    if size is not None and size > max_bytes:
        raise _error(
            f"This video is {_human_bytes(size)}; the limit is {_human_bytes(max_bytes)}.",
            "too_large",
        )
    if size == 0:
        raise _unreadable()
    info = probe_video(file)
    if info.container not in ALLOWED_CONTAINERS:
        raise _error(
            f"Videos must be MP4, MOV or WebM files (this one is {info.container.upper()}).",
            "container",
        )
    if info.codec not in ALLOWED_CODECS:
        raise _error(
            f"Videos must use H.264, HEVC, VP9 or AV1 (this one uses {info.codec}). Export it again with one of those.",
            "codec",
        )
    problem = _resolution_problem(
        info,
        max_pixels=settings.CREATOR_VIDEO_MAX_PIXELS if max_pixels is None else max_pixels,
        max_side=settings.CREATOR_VIDEO_MAX_SIDE if max_side is None else max_side,
    )
    if problem:
        raise _error(problem, "too_many_pixels")
    if info.duration_seconds > max_seconds:
        raise _error(
            f"This video is {_human_seconds(info.duration_seconds)} long; the limit is {_human_seconds(max_seconds)}.",
            "too_long",
        )
    return info


def needs_transcode(info: VideoInfo) -> bool:
    """True unless every browser plays the file as is: MP4, 8-bit 4:2:0 H.264, AAC or no audio."""
    if info.container != "mp4" or info.codec != "h264":
        return True
    if info.pixel_format is not None and info.pixel_format not in PLAYABLE_PIXEL_FORMATS:
        return True
    return info.has_audio and info.audio_codec != "aac"


def extract_poster(path: str | os.PathLike, at_seconds: float = 0.0) -> Image.Image:
    """The frame shown at `at_seconds` (the last frame when the video is shorter), as an RGB image."""
    container, _family, _head = _open_input(os.fspath(path))
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        at_seconds = max(0.0, at_seconds)
        if at_seconds > 0 and stream.time_base:
            container.seek(int(at_seconds / stream.time_base), stream=stream, backward=True)
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is not None and frame.time >= at_seconds:
                break
        if chosen is None:
            raise _unreadable()
        return chosen.to_image().convert("RGB")
    finally:
        container.close()


def _even(value: int) -> int:
    return max(2, value - value % 2)


def transcode_to_mp4(src_path: str | os.PathLike, dst_path: str | os.PathLike, *, crf: int = 23) -> None:
    """Re-encode to H.264 (yuv420p) + AAC in MP4 with the moov atom at the front (fast start)."""
    source, _family, _head = _open_input(os.fspath(src_path))
    try:
        in_video = source.streams.video[0]
        in_video.thread_type = "AUTO"
        in_audio = source.streams.audio[0] if source.streams.audio else None
        width, height = _even(in_video.codec_context.width), _even(in_video.codec_context.height)
        rate = in_video.average_rate or in_video.guessed_rate or Fraction(30)
        with av.open(os.fspath(dst_path), mode="w", format="mp4", options={"movflags": "+faststart"}) as output:
            out_video = output.add_stream("libx264", rate=rate)
            out_video.width, out_video.height, out_video.pix_fmt = width, height, "yuv420p"
            out_video.codec_context.time_base = in_video.time_base
            out_video.options = {"crf": str(crf), "preset": "veryfast", "profile": "high"}
            out_audio = resampler = None
            if in_audio is not None:
                sample_rate = in_audio.codec_context.sample_rate or 48000
                out_audio = output.add_stream("aac", rate=sample_rate)
                out_audio.layout = "stereo"
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=sample_rate, frame_size=1024)
            samples = 0
            streams = [in_video] + ([in_audio] if in_audio is not None else [])
            for packet in source.demux(*streams):
                for frame in packet.decode():
                    if packet.stream is in_video:
                        picture = frame.reformat(width=width, height=height, format="yuv420p")
                        picture.pts, picture.time_base = frame.pts, frame.time_base
                        output.mux(out_video.encode(picture))
                    else:
                        samples = _encode_audio(output, out_audio, resampler, frame, samples)
            output.mux(out_video.encode(None))
            if out_audio is not None:
                samples = _encode_audio(output, out_audio, resampler, None, samples)
                output.mux(out_audio.encode(None))
    finally:
        source.close()


def _encode_audio(output: Any, stream: Any, resampler: Any, frame: Any, samples: int) -> int:
    for chunk in resampler.resample(frame):
        chunk.pts, chunk.time_base = samples, Fraction(1, chunk.sample_rate)
        samples += chunk.samples
        output.mux(stream.encode(chunk))
    return samples


# --- synthetic clips for tests and demo data ---------------------------------------------------

_AUDIO_CODEC_FOR = {"mp4": "aac", "mov": "aac", "webm": "libopus"}
_MUXER_FOR = {"mp4": "mp4", "mov": "mov", "webm": "webm"}


def _test_frame(index: int, total: int, width: int, height: int, hue: int) -> Image.Image:
    image = Image.new("RGB", (width, height), ((hue * 37) % 256, 40, 90))
    draw = ImageDraw.Draw(image)
    progress = index / max(1, total - 1)
    box = max(8, min(width, height) // 4)
    x = int((width - box) * progress)
    y = int((height - box) * (0.5 + 0.4 * math.sin(progress * math.tau)))
    draw.rectangle([x, y, x + box, y + box], fill=(250, 200, 40))
    draw.text((4, 4), f"{index}", fill=(255, 255, 255))
    return image


def _sine(samples: int, sample_rate: int, start: int, frequency: float = 440.0) -> bytes:
    step = math.tau * frequency / sample_rate
    return array("f", (0.2 * math.sin(step * (start + i)) for i in range(samples))).tobytes()


def write_test_audio(output: Any, stream: Any, seconds: float) -> None:
    """Encode `seconds` of a quiet sine tone into an opened output's audio stream (mono float planar)."""
    sample_rate = stream.codec_context.sample_rate
    frame_size = stream.codec_context.frame_size or 1024
    total = int(seconds * sample_rate)
    written = 0
    while written < total:
        count = min(frame_size, total - written)
        frame = av.AudioFrame(format="fltp", layout="mono", samples=count)
        frame.sample_rate = sample_rate
        frame.planes[0].update(_sine(count, sample_rate, written).ljust(frame.planes[0].buffer_size, b"\0"))
        frame.pts, frame.time_base = written, Fraction(1, sample_rate)
        written += count
        output.mux(stream.encode(frame))
    output.mux(stream.encode(None))


def make_test_clip(
    path: str | os.PathLike,
    *,
    seconds: float,
    width: int,
    height: int,
    codec: str = "libx264",
    container: str = "mp4",
    with_audio: bool = False,
    fps: int = 24,
    hue: int = 0,
) -> Path:
    """Encode a synthetic clip (a moving square on a coloured background, optional sine tone)."""
    path = Path(path)
    total = max(1, round(seconds * fps))
    width, height = _even(width), _even(height)
    options = {"movflags": "+faststart"} if container in ("mp4", "mov") else {}
    with av.open(os.fspath(path), mode="w", format=_MUXER_FOR[container], options=options) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        if codec == "libx264":
            stream.options = {"preset": "ultrafast"}
        elif codec == "libvpx-vp9":
            stream.options = {"deadline": "realtime", "cpu-used": "8"}
        elif codec == "libx265":
            stream.options = {"preset": "ultrafast", "x265-params": "log-level=error"}
        elif codec == "libsvtav1":
            stream.options = {"preset": "11"}
        audio = output.add_stream(_AUDIO_CODEC_FOR[container], rate=48000) if with_audio else None
        if audio is not None:
            audio.layout = "mono"
        for index in range(total):
            frame = av.VideoFrame.from_image(_test_frame(index, total, width, height, hue))
            frame = frame.reformat(format="yuv420p")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
        if audio is not None:
            write_test_audio(output, audio, seconds)
    return path


def mp4_top_level_boxes(path: str | os.PathLike) -> list[str]:
    """The top-level box types of an MP4/MOV file in order (e.g. ftyp, moov, mdat when fast start)."""
    boxes = []
    with open(path, "rb") as handle:
        size_total = os.fstat(handle.fileno()).st_size
        offset = 0
        while offset + 8 <= size_total:
            handle.seek(offset)
            header = handle.read(16)
            size = int.from_bytes(header[:4], "big")
            boxes.append(header[4:8].decode("latin-1"))
            if size == 1:
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:
                break
            if size < 8:
                break
            offset += size
    return boxes


__all__ = [
    "ALLOWED_CODECS",
    "ALLOWED_CONTAINERS",
    "VideoInfo",
    "extract_poster",
    "make_test_clip",
    "mp4_top_level_boxes",
    "needs_transcode",
    "probe_video",
    "transcode_to_mp4",
    "validate_video",
    "write_test_audio",
]
