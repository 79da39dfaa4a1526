"""Attachments: the type read from the content, the metadata (EXIF and GPS, camera serials,
XMP, IPTC, PDF authors, audio tags, recording times and places) stripped before anything is
stored.

MP4, M4A and MOV (ISO base media / QuickTime) are cleaned in place, in memory, so that no byte
of sound or picture moves: the creation and modification times of the movie, every track and
every medium (mvhd, tkhd, mdhd) are zeroed; every metadata box (udta with its ©xyz place and
©mak/©mod maker tags, meta with Apple's keys, uuid with XMP, prft wall-clock times) becomes
an empty `free` box of the same size; and the samples of every track that is neither picture
nor sound (a timecode's time of day, GPS or other timed metadata) are zeroed. mat2 was
considered: for these files it hands over to ffmpeg (re-muxing on disk, a copy of the
original in a temporary file, GI and poppler libraries on every server) and leaves timecode
and timed-metadata tracks as they are, so it would cover less, not more.
HEIC/HEIF photos are refused with what to do instead.
"""

import hashlib
import io
from dataclasses import dataclass, field

import mutagen
import mutagen.apev2
import mutagen.id3
import mutagen.mp4
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from mutagen.mp3 import MP3
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from sources.models import Attachment

Kind = Attachment.Kind
ACCEPTED = (
    "JPEG, PNG or WebP images, PDF documents, MP3, M4A or Ogg audio, MP4 or MOV video, or plain "
    "UTF-8 text"
)
# The ftyp brands of HEIF photos (iPhone HEIC, AVIF): refused with what to do instead.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
HEIF_REFUSED = (
    "HEIC (HEIF) photos are not accepted: Fieldbook cannot yet remove their metadata. On the "
    "iPhone, share the photo as JPEG (or set Settings, Camera, Formats to Most Compatible); on "
    "a computer, export it as JPEG; then upload the JPEG."
)


def is_mpeg_frame_sync(data):
    """Eleven set bits: FF Ex or FF Fx."""
    return data[:1] == b"\xff" and data[1:2] >= b"\xe0"


MAGIC = (
    (Kind.JPEG, lambda data: data.startswith(b"\xff\xd8\xff")),
    (Kind.PNG, lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
    (Kind.WEBP, lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP"),
    (Kind.PDF, lambda data: data.startswith(b"%PDF-")),
    (Kind.MP3, lambda data: data.startswith(b"ID3") or is_mpeg_frame_sync(data)),
    (Kind.M4A, lambda data: data[4:8] == b"ftyp"),  # or MP4 or MOV: mp4_kind() decides
    (Kind.OGG, lambda data: data.startswith(b"OggS")),
)
IMAGE_FORMATS = {
    Kind.JPEG: ("JPEG", {"quality": 95}),
    Kind.PNG: ("PNG", {}),
    Kind.WEBP: ("WEBP", {"quality": 95}),
}
# Pages may keep none of these: comments carry their author's name, actions run scripts,
# article beads lead to a thread's info dictionary, and the rest is XMP or application data.
PDF_PAGE_KEYS_DROPPED = ("/Annots", "/AA", "/B", "/Metadata", "/PieceInfo")
PDF_KEYS_DROPPED = ("/Metadata", "/PieceInfo")
# APP1-APP13 and APP15 (EXIF, XMP, IPTC, ICC, MPF thumbnails) and COM. APP0 (JFIF) and
# APP14 (Adobe colour transform) say nothing about who or where, and decoders need them.
JPEG_METADATA_MARKERS = {*range(0xE1, 0xEE), 0xEF, 0xFE}
JPEG_FILTERS = ("/DCTDecode", ["/DCTDecode"])
OGG_AUDIO_TYPES = [OggVorbis, OggOpus, OggFLAC, OggSpeex]
# Boxes that hold other boxes, and the boxes of metadata and wall-clock time, anywhere.
MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"mvex", b"moof", b"traf"}
MP4_METADATA = {b"udta", b"meta", b"uuid", b"prft", b"XMP_"}
# Boxes whose version-0/1 header starts with the creation and modification times.
MP4_TIMED = {b"mvhd", b"tkhd", b"mdhd"}
# Tracks a viewer needs; the samples of any other (timecode, GPS, timed metadata) are zeroed.
MP4_PICTURE_AND_SOUND = {b"vide", b"soun"}


@dataclass(frozen=True)
class CleanedUpload:
    content: bytes = field(repr=False)
    kind: str
    content_type: str
    sha256_original: str

    @property
    def size(self):
        return len(self.content)

    @property
    def sha256_stored(self):
        return hashlib.sha256(self.content).hexdigest()


def attachment_sanitize(*, upload):
    """The upload without its metadata, ready to store, and the SHA-256 of the original.

    The kind comes from the content, never from the file's name or the browser. Anything that
    cannot be cleaned raises ValidationError; nothing is written anywhere.
    """
    original = upload_read(upload)
    kind = kind_detect(original)
    return CleanedUpload(
        content=metadata_strip(kind, original),
        kind=kind,
        content_type=Attachment.CONTENT_TYPES[kind],
        sha256_original=hashlib.sha256(original).hexdigest(),
    )


def upload_read(upload):
    """At most one byte over the limit, so that a huge upload is refused without being read."""
    limit = settings.ATTACHMENT_MAX_BYTES
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            f"This file is larger than the limit of {filesizeformat(limit)}, so it was not saved.",
            code="too_large",
        )
    if not data:
        raise ValidationError("This file is empty.", code="empty")
    return data


def kind_detect(data):
    for kind, matches in MAGIC:
        if matches(data):
            return mp4_kind(data) if kind == Kind.M4A else kind
    if is_plain_text(data):
        return Kind.TEXT
    raise ValidationError(
        f"Fieldbook accepts only {ACCEPTED}. Whatever its name says, this file is none of "
        "these, so it was not saved.",
        code="unsupported",
    )


def is_plain_text(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def metadata_strip(kind, data):
    try:
        return STRIPPERS[kind](data, kind)
    except ValidationError:
        raise
    except Exception as error:  # parsers fail on hostile files in many ways: all mean "refuse"
        raise ValidationError(
            f"This looks like a {Kind(kind).label}, but it is damaged or of a variant whose "
            "metadata Fieldbook cannot remove, so it was not saved.",
            code="unreadable",
        ) from error


def image_strip(data, kind):
    """Only the pixels survive: EXIF (GPS, camera serials), XMP, IPTC, ICC profiles, comments
    and text chunks stay behind."""
    image = image_open(data, kind)
    # Turn the pixels the way the camera meant before dropping the EXIF that says how.
    image = ImageOps.exif_transpose(image)
    pixels = image.convert(image_mode(image, kind))
    # A new image from the pixels alone: Pillow copies some metadata (a JPEG comment) otherwise.
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    image_format, options = IMAGE_FORMATS[kind]
    clean.save(out, format=image_format, **options)
    return out.getvalue()


def image_open(data, kind):
    too_big = ValidationError(
        f"This image has more than {settings.ATTACHMENT_MAX_PIXELS / 1e6:g} million pixels, so "
        "it was not saved. Export it at a lower resolution.",
        code="too_many_pixels",
    )
    try:
        image = Image.open(io.BytesIO(data), formats=[IMAGE_FORMATS[kind][0]])
    except Image.DecompressionBombError:
        raise too_big from None
    # From the header, before a pixel is decoded: an 86 kB PNG can declare 88 megapixels.
    if image.width * image.height > settings.ATTACHMENT_MAX_PIXELS:
        raise too_big
    if getattr(image, "n_frames", 1) > 1:
        raise ValidationError(
            "Animated images are not accepted: upload a still of the frame that matters.",
            code="animated",
        )
    return image


def image_mode(image, kind):
    if kind == Kind.JPEG:
        return "L" if image.mode == "L" else "RGB"
    return "RGBA" if image.has_transparency_data else "RGB"


def pdf_strip(data, kind):
    """A new PDF with the pages only: no document information (author, creator, producer,
    title...), XMP, scripts, open actions, embedded files, comments or form fields, and no
    EXIF or XMP left in the photos on its pages."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise ValidationError(
            "This PDF is encrypted or password-protected, so Fieldbook cannot remove its "
            "metadata. Save an unprotected copy (e.g. print it to a new PDF) and upload that.",
            code="encrypted",
        )
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page, excluded_keys=PDF_PAGE_KEYS_DROPPED)
    writer.metadata = None  # no /Info at all: pypdf would otherwise name itself as producer
    pdf_resources_scrub(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_resources_scrub(writer):
    """Walk everything the pages use (fonts, images, forms): drop XMP and application data,
    and the metadata segments of embedded JPEG photos."""
    stack, seen = list(writer.pages), set()
    while stack:
        obj = stack.pop().get_object()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, DictionaryObject):
            for key in PDF_KEYS_DROPPED:
                obj.pop(key, None)
            if isinstance(obj, StreamObject) and obj.get("/Filter") in JPEG_FILTERS:
                # pypdf's own set_data refuses DCT streams; the bytes stay DCT, only shorter.
                StreamObject.set_data(obj, jpeg_segments_strip(obj._data))
            stack.extend(value for key, value in obj.items() if key != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def jpeg_segments_strip(data):
    """The JPEG without its metadata segments; the compressed pixels are untouched."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, pos = bytearray(data[:2]), 2
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] != 0xDA:
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if data[pos + 1] not in JPEG_METADATA_MARKERS:
            out += data[pos:end]
        pos = end
    return bytes(out + data[pos:])


def mp3_strip(data, kind):
    """The MPEG audio frames without ID3v1, ID3v2 or APE tags."""
    buffer = io.BytesIO(data)
    MP3(buffer)  # refuses a file without MPEG audio frames
    # APE first: it may sit after an ID3v1 tag, which is then found only at the very end.
    mutagen.apev2.delete(buffer)
    mutagen.id3.delete(buffer)
    return buffer.getvalue()


def mp4_kind(data):
    """M4A (sound only), MP4 or MOV (a picture track; MOV when QuickTime's brand): read from
    the tracks, never the brand alone, so that a phone's video is not stored as audio."""
    brand = data[8:12]
    if brand in HEIF_BRANDS:
        raise ValidationError(HEIF_REFUSED, code="heif")
    try:
        handlers = {handler for _trak, handler in mp4_tracks(data)}
    except ValueError:
        handlers = set()  # damaged: the stripper refuses it with the reason
    if b"vide" in handlers:
        return Kind.MOV if brand == b"qt  " else Kind.MP4
    return Kind.M4A


def mp4_strip(data, kind):
    if kind == Kind.M4A:
        buffer = io.BytesIO(data)
        mutagen.mp4.delete(buffer)  # the iTunes tags: ©nam, ©ART, ©day, ©xyz (place) ...
        data = buffer.getvalue()
    cleaned = bytearray(data)
    if not any(atom == b"moov" for *_, atom in mp4_atoms(cleaned, 0, len(cleaned))):
        raise ValueError("No movie box: not a file Fieldbook can clean.")
    mp4_metadata_blank(cleaned, 0, len(cleaned))
    for trak, handler in mp4_tracks(cleaned):
        if handler not in MP4_PICTURE_AND_SOUND:
            mp4_samples_zero(cleaned, trak)
    return bytes(cleaned)


def mp4_metadata_blank(data, start, end):
    """Overwrite each metadata box with a zeroed `free` box of the same size, and zero the
    times of mvhd, tkhd and mdhd, so that no offset moves. mutagen removes the iTunes tags
    only; QuickTime keeps the place and the device in udta and meta, XMP lives in uuid."""
    for offset, header, size, atom in mp4_atoms(data, start, end):
        if atom in MP4_METADATA:
            data[offset + 4 : offset + 8] = b"free"
            data[offset + header : offset + size] = bytes(size - header)
        elif atom in MP4_TIMED:
            mp4_times_zero(data, offset + header, offset + size)
        elif atom in MP4_CONTAINERS:
            mp4_metadata_blank(data, offset + header, offset + size)


def mp4_times_zero(data, start, end):
    """Version 0 keeps both times in 32 bits, version 1 in 64, after version and flags."""
    width = 8 if data[start] == 1 else 4
    if start + 4 + 2 * width > end:
        raise ValueError("A time box is too short.")
    data[start + 4 : start + 4 + 2 * width] = bytes(2 * width)


def mp4_child(data, start, end, name):
    """(offset, header, size) of the first box `name` between start and end, or None."""
    for offset, header, size, atom in mp4_atoms(data, start, end):
        if atom == name:
            return offset, header, size
    return None


def mp4_path(data, box, *names):
    """The box reached from `box` (offset, header, size) through children `names`."""
    for name in names:
        offset, header, size = box
        box = mp4_child(data, offset + header, offset + size, name)
        if box is None:
            return None
    return box


def mp4_tracks(data):
    """(trak box, handler type) of every track of the movie."""
    moov = mp4_child(data, 0, len(data), b"moov")
    if moov is None:
        raise ValueError("No movie box.")
    offset, header, size = moov
    tracks = []
    for trak in mp4_atoms(data, offset + header, offset + size):
        if trak[3] != b"trak":
            continue
        hdlr = mp4_path(data, trak[:3], b"mdia", b"hdlr")
        if hdlr is None or hdlr[2] < hdlr[1] + 12:
            raise ValueError("A track without a handler.")
        start = hdlr[0] + hdlr[1] + 8  # after version, flags and pre_defined
        tracks.append((trak[:3], bytes(data[start : start + 4])))
    return tracks


def mp4_samples_zero(data, trak):
    """Zero every sample of a track (its chunk offsets, samples per chunk and sizes say
    where they are), leaving the track itself in place."""
    stbl = mp4_path(data, trak, b"mdia", b"minf", b"stbl")
    if stbl is None:
        raise ValueError("A track without a sample table.")
    sizes = mp4_sample_sizes(data, stbl)
    runs = mp4_table(data, stbl, b"stsc", 12)
    offsets = mp4_chunk_offsets(data, stbl)
    sample = 0
    for chunk, offset in enumerate(offsets, start=1):
        per_chunk = next(
            (int.from_bytes(run[4:8], "big") for run in reversed(runs)
             if int.from_bytes(run[0:4], "big") <= chunk),
            0,
        )  # fmt: skip
        length = sum(sizes[sample : sample + per_chunk])
        if offset + length > len(data):
            raise ValueError("A sample runs past the end of the file.")
        data[offset : offset + length] = bytes(length)
        sample += per_chunk


def mp4_table(data, stbl, name, entry_size):
    """The entries of a full box's table (after version, flags and the entry count)."""
    box = mp4_path(data, stbl, name)
    if box is None:
        return []
    offset, header, size = box
    start = offset + header + 8
    count = int.from_bytes(data[start - 4 : start], "big")
    if start + count * entry_size > offset + size:
        raise ValueError(f"The {name.decode()} table runs past its box.")
    return [
        bytes(data[start + i * entry_size : start + (i + 1) * entry_size]) for i in range(count)
    ]


def mp4_sample_sizes(data, stbl):
    """stsz: one size for every sample, or a table of sizes."""
    box = mp4_path(data, stbl, b"stsz")
    if box is None:
        raise ValueError("A track without sample sizes.")
    offset, header, size = box
    start = offset + header + 4  # after version and flags
    uniform = int.from_bytes(data[start : start + 4], "big")
    count = int.from_bytes(data[start + 4 : start + 8], "big")
    if uniform:
        return [uniform] * count
    first = start + 8
    if first + 4 * count > offset + size:
        raise ValueError("The stsz table runs past its box.")
    return [int.from_bytes(data[first + 4 * i : first + 4 * i + 4], "big") for i in range(count)]


def mp4_chunk_offsets(data, stbl):
    entries = mp4_table(data, stbl, b"stco", 4) or mp4_table(data, stbl, b"co64", 8)
    return [int.from_bytes(entry, "big") for entry in entries]


def mp4_atoms(data, start, end):
    """(offset, header length, size, type) of each atom from start to end."""
    while start + 8 <= end:
        size, header = int.from_bytes(data[start : start + 4], "big"), 8
        if size == 1:
            size, header = int.from_bytes(data[start + 8 : start + 16], "big"), 16
        elif size == 0:
            size = end - start
        if size < header or start + size > end:
            raise ValueError("An MP4 atom runs past its container.")
        yield start, header, size, bytes(data[start + 4 : start + 8])
        start += size


def ogg_strip(data, kind):
    """Ogg Vorbis, Opus, FLAC or Speex without its comments (Vorbis comments)."""
    buffer = io.BytesIO(data)
    audio = mutagen.File(buffer, options=OGG_AUDIO_TYPES)
    if audio is None:
        raise ValueError("No Ogg audio stream Fieldbook knows.")
    audio.delete(buffer)
    return buffer.getvalue()


STRIPPERS = {
    Kind.JPEG: image_strip,
    Kind.PNG: image_strip,
    Kind.WEBP: image_strip,
    Kind.PDF: pdf_strip,
    Kind.MP3: mp3_strip,
    Kind.M4A: mp4_strip,
    Kind.MP4: mp4_strip,
    Kind.MOV: mp4_strip,
    Kind.OGG: ogg_strip,
    Kind.TEXT: lambda data, kind: data,  # UTF-8 text has nowhere to hide metadata
}
