"""Attachments lose their metadata before anything is stored, and leave only through a view
that checks who is asking.

Every test file is made here, for real: a JPEG with GPS and a camera serial in its EXIF, a PNG
with text chunks, a PDF with an author, XMP, a script, an embedded file, a signed comment and an
EXIF photo on its page, an MP3 with ID3v1, ID3v2 and APE tags, an M4A with iTunes tags and a
QuickTime location, an Ogg Opus recording with Vorbis comments. Each canary string below is
planted in a file's metadata and must not reach the disk.
"""

import datetime
import hashlib
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django import forms
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.views import static
from mutagen.apev2 import APENoHeaderError, APEv2
from mutagen.id3 import ID3, TIT2, TPE1, TXXX
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.annotations import Text
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from sources.attachments import attachment_sanitize
from sources.models import Attachment
from tests.factories import make_attachment, make_interview, make_source

PERSON = "Demo Person 7"
SERIAL = "SN-CANARY-4242"
GPS_DATUM = "GPS-CANARY-DATUM"
PLACE = "+35.4702+044.3921/"  # ISO 6709, as phones write it
CANARIES = [b"CANARY", PERSON.encode(), PLACE.encode()]
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
BODY_SERIAL_NUMBER, GPS_MAP_DATUM, ORIENTATION = 0xA431, 0x12, 0x0112
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>XMP-CANARY</dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417 bytes


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def interview(cast, investigation):
    source = make_source(investigation, cast["reporter"])
    return make_interview(investigation, cast["reporter"], sources=[source])


# Files with metadata -------------------------------------------------------------------------


def jpeg_with_gps_and_serial():
    exif = Image.Exif()
    exif[0x010F] = "MAKE-CANARY"
    exif[0x0110] = "MODEL-CANARY 9"
    exif[ORIENTATION] = 6  # taken with the phone on its side: shown turned 90° clockwise
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL_NUMBER] = SERIAL
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (35.0, 28.0, 12.5), 3: "E", 4: (44.0, 23.0, 30.0), GPS_MAP_DATUM: GPS_DATUM}
    )
    out = io.BytesIO()
    Image.new("RGB", (64, 32), "orange").save(
        out, "JPEG", exif=exif, comment=b"COMMENT-CANARY", xmp=b"<x:xmpmeta>XMP-CANARY</x:xmpmeta>"
    )
    return out.getvalue()


def png_with_text_chunks():
    info = PngInfo()
    info.add_text("Author", PERSON)
    info.add_itxt("Location", "ITXT-CANARY Hawija")
    out = io.BytesIO()
    Image.new("RGBA", (30, 20), (10, 200, 30, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf_with_author():
    writer = PdfWriter()
    page = writer.add_blank_page(200, 300)
    writer.add_metadata({"/Author": PERSON, "/Title": "TITLE-CANARY", "/Creator": "APP-CANARY"})
    xmp = writer._add_object(pdf_stream(XMP))
    writer.root_object[NameObject("/Metadata")] = xmp
    page[NameObject("/Metadata")] = xmp
    photo = pdf_stream(jpeg_with_gps_and_serial(), filter="/DCTDecode")
    photo.update({NameObject(key): value for key, value in PDF_PHOTO.items()})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(photo)})}
    )
    page[NameObject("/Contents")] = writer._add_object(
        pdf_stream(b"q 64 0 0 32 10 10 cm /Im0 Do Q")
    )
    writer.add_annotation(0, Text(text="NOTE-CANARY", rect=(10, 10, 50, 50)))
    page["/Annots"][0].get_object()[NameObject("/T")] = TextStringObject(PERSON)  # its author
    writer.add_open_action(JavaScript("app.alert('SCRIPT-CANARY');"))
    writer.add_attachment("evidence.txt", b"EMBEDDED-CANARY")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF_PHOTO = {
    "/Type": NameObject("/XObject"),
    "/Subtype": NameObject("/Image"),
    "/Width": NumberObject(64),
    "/Height": NumberObject(32),
    "/ColorSpace": NameObject("/DeviceRGB"),
    "/BitsPerComponent": NumberObject(8),
}


def pdf_stream(data, filter=None):
    stream = StreamObject() if filter else DecodedStreamObject()
    stream._data = data
    if filter:
        stream[NameObject("/Filter")] = NameObject(filter)
    return stream


def mp3_with_tags():
    buffer = io.BytesIO(MP3_FRAME * 20)
    tags = ID3()
    tags.add(TIT2(encoding=3, text="TITLE-CANARY"))
    tags.add(TPE1(encoding=3, text=PERSON))
    tags.add(TXXX(encoding=3, desc="where", text="GPS-CANARY Hawija"))
    tags.save(buffer, v1=2)  # ID3v2 at the start and ID3v1 at the end
    ape = APEv2()
    ape["Artist"] = "APE-CANARY"
    ape.save(buffer)
    return buffer.getvalue()


def m4a_with_tags():
    """An AAC track in an MP4 box tree built by hand, a QuickTime location in moov/udta (where
    iPhones write it), then iTunes tags added by mutagen."""
    samples = [b"\x21\x00\x49\x90\x02\x19\x00\x23\x80"] * 10
    head = m4a_head(samples, chunk_offset=0)
    head = m4a_head(samples, chunk_offset=len(head) + 8)
    buffer = io.BytesIO(head + box(b"mdat", b"".join(samples)))
    audio = MP4(buffer)
    audio.add_tags()
    audio.tags.update(
        {"\xa9nam": "TITLE-CANARY", "\xa9ART": PERSON, "\xa9day": "2019-03-02", "\xa9xyz": PLACE}
    )
    audio.save(buffer)
    return buffer.getvalue()


def m4a_head(samples, chunk_offset):
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    ticks = 1024 * len(samples)
    track = box(
        b"trak",
        box(
            b"tkhd",
            b"\0\0\0\7"
            + bytes(8)
            + struct.pack(">I4xI8x4xH2x", 1, ticks, 0x100)
            + matrix
            + bytes(8),
        )
        + box(
            b"mdia",
            box(b"mdhd", bytes(12) + struct.pack(">II", 44100, ticks) + b"\x55\xc4\0\0")
            + box(b"hdlr", bytes(8) + b"soun" + bytes(12) + b"SoundHandler\0")
            + box(b"minf", box(b"smhd", bytes(8)) + m4a_dinf() + m4a_stbl(samples, chunk_offset)),
        ),
    )
    movie_header = box(
        b"mvhd",
        bytes(12)
        + struct.pack(">IIIH10x", 44100, ticks, 0x10000, 0x100)
        + matrix
        + bytes(24)
        + struct.pack(">I", 2),
    )
    location = box(b"udta", box(b"\xa9xyz", struct.pack(">HH", len(PLACE), 0) + PLACE.encode()))
    return box(b"ftyp", b"M4A \0\0\0\0M4A mp42isom") + box(b"moov", movie_header + track + location)


def m4a_dinf():
    return box(b"dinf", box(b"dref", bytes(4) + struct.pack(">I", 1) + box(b"url ", b"\0\0\0\1")))


def m4a_stbl(samples, chunk_offset):
    config = b"\x05\x02\x12\x10"  # AAC LC, 44.1 kHz, stereo
    decoder = (
        b"\x04"
        + bytes([13 + len(config)])
        + b"\x40\x15\0\0\0"
        + struct.pack(">II", 128000, 128000)
        + config
    )
    descriptor = b"\x03" + bytes([3 + len(decoder) + 3]) + b"\0\1\0" + decoder + b"\x06\x01\x02"
    entry = box(
        b"mp4a",
        bytes(6)
        + struct.pack(">H8xHHHHI", 1, 2, 16, 0, 0, 44100 << 16)
        + box(b"esds", bytes(4) + descriptor),
    )
    sizes = b"".join(struct.pack(">I", len(sample)) for sample in samples)
    return box(
        b"stbl",
        box(b"stsd", bytes(4) + struct.pack(">I", 1) + entry)
        + box(b"stts", bytes(4) + struct.pack(">III", 1, len(samples), 1024))
        + box(b"stsc", bytes(4) + struct.pack(">IIII", 1, 1, len(samples), 1))
        + box(b"stsz", bytes(4) + struct.pack(">II", 0, len(samples)) + sizes)
        + box(b"stco", bytes(4) + struct.pack(">II", 1, chunk_offset)),
    )


def box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def opus_with_comments():
    """One second of Opus silence (20 ms frames) in Ogg pages, with Vorbis comments."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    comments = [f"ARTIST={PERSON}".encode(), b"LOCATION=GPS-CANARY 35.47,44.39"]
    vendor = b"fieldbook-test"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    tags += b"".join(struct.pack("<I", len(comment)) + comment for comment in comments)
    pages = [([head], 0), ([tags], 0), ([b"\xf8\xff\xfe"] * 50, 312 + 48000)]
    return b"".join(ogg_page(number, *page, last=number == 2) for number, page in enumerate(pages))


def ogg_page(number, packets, position, last):
    page = OggPage()
    page.serial, page.sequence, page.position, page.packets = 7, number, position, packets
    page.first, page.last = number == 0, last
    return page.write()


# Uploading through the admin, downloading through the view -----------------------------------


def upload(client, user, interview, name, content, content_type="image/jpeg", title=""):
    """Post the interview's change page as a browser would, with one new attachment."""
    client.force_login(user)
    url = reverse("admin:sources_interview_change", args=[interview.pk])
    data = change_form_data(client.get(url))
    row = int(data["attachments-TOTAL_FORMS"])
    data["attachments-TOTAL_FORMS"] = row + 1
    data[f"attachments-{row}-title"] = title
    data[f"attachments-{row}-file"] = SimpleUploadedFile(name, content, content_type)
    return client.post(url, data)


def change_form_data(response):
    """What a browser posts back from an admin change page when nothing was changed."""
    forms_on_page = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms_on_page += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms_on_page:
        for field in form:
            data.update(posted(field))
    return data


def posted(field):
    value, widget = field.value(), field.field.widget
    if value is None or isinstance(field.field, forms.FileField):
        return {}
    if isinstance(widget, forms.MultiWidget):
        return {f"{field.html_name}_{i}": part for i, part in enumerate(widget.decompress(value))}
    return {field.html_name: value}


def form_errors(response):
    if response.context is None:
        return []
    formsets = [inline.formset for inline in response.context["inline_admin_formsets"]]
    errors = [str(response.context["adminform"].form.errors)]
    return errors + [str(error) for formset in formsets for error in formset.errors if error]


def download(client, attachment):
    response = client.get(attachment.get_download_url())
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def round_trip(client, user, interview, name, original):
    response = upload(client, user, interview, name, original)
    assert response.status_code == 302, form_errors(response)
    attachment = interview.attachments.get()
    assert attachment.sha256_original == hashlib.sha256(original).hexdigest()
    downloaded = download(client, attachment)
    assert attachment.sha256_stored == hashlib.sha256(downloaded).hexdigest()
    assert attachment.size == len(downloaded)
    return attachment, downloaded


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()]


def assert_no_canary_on_disk(media_root):
    files = stored_files(media_root)
    assert files
    for path in files:
        content = path.read_bytes()
        assert not [canary for canary in CANARIES if canary in content], path.name


# Metadata is gone --------------------------------------------------------------------------


def test_a_photo_loses_its_gps_camera_serial_and_comments_but_not_its_picture(
    client, cast, interview, media_root
):
    original = jpeg_with_gps_and_serial()
    exif = Image.open(io.BytesIO(original)).getexif()
    assert exif.get_ifd(GPS_IFD)[GPS_MAP_DATUM] == GPS_DATUM  # the test photo really has them
    assert exif.get_ifd(EXIF_IFD)[BODY_SERIAL_NUMBER] == SERIAL

    attachment, downloaded = round_trip(
        client, cast["reporter"], interview, f"Hawija {PERSON}.jpg", original
    )

    photo = Image.open(io.BytesIO(downloaded))
    assert photo.format == "JPEG"
    assert not photo.getexif()  # no GPS, serial, make, model or orientation
    assert "comment" not in photo.info and "xmp" not in photo.info
    assert photo.size == (32, 64)  # 64 × 32 turned upright, as its EXIF orientation said
    assert (attachment.kind, attachment.content_type) == ("jpeg", "image/jpeg")
    assert attachment.uploaded_by == cast["reporter"]
    assert re.fullmatch(r"[0-9a-f-]{36}\.jpg", attachment.file.name)  # not the uploaded name
    assert oct(stored_files(media_root)[0].stat().st_mode & 0o777) == "0o600"
    assert_no_canary_on_disk(media_root)


def test_a_png_loses_its_text_chunks_and_keeps_its_pixels(client, cast, interview, media_root):
    original = png_with_text_chunks()
    assert Image.open(io.BytesIO(original)).info["Author"] == PERSON

    attachment, downloaded = round_trip(client, cast["reporter"], interview, "a.png", original)

    picture = Image.open(io.BytesIO(downloaded))
    assert (picture.format, picture.size, picture.mode) == ("PNG", (30, 20), "RGBA")
    assert "Author" not in picture.info and "Location" not in picture.info
    assert picture.getpixel((0, 0)) == (10, 200, 30, 128)
    assert_no_canary_on_disk(media_root)


def test_a_pdf_keeps_its_pages_but_loses_its_author_xmp_scripts_and_photo_exif(
    client, cast, interview, media_root
):
    original = pdf_with_author()
    before = PdfReader(io.BytesIO(original))
    assert before.metadata.author == PERSON and before.xmp_metadata is not None
    assert "/Names" in before.trailer["/Root"]  # the script and the embedded file

    attachment, downloaded = round_trip(client, cast["editor"], interview, "a.pdf", original)

    after = PdfReader(io.BytesIO(downloaded))
    assert after.metadata is None and after.xmp_metadata is None
    assert set(after.trailer["/Root"]) == {"/Type", "/Pages"}  # no scripts, files or actions
    page = after.pages[0]
    assert "/Metadata" not in page and "/Annots" not in page
    assert (len(after.pages), page.mediabox.width, page.mediabox.height) == (1, 200, 300)
    photo = Image.open(io.BytesIO(page["/Resources"]["/XObject"]["/Im0"].get_object()._data))
    assert photo.size == (64, 32) and not photo.getexif()
    assert attachment.kind == "pdf"
    assert_no_canary_on_disk(media_root)


def test_an_mp3_loses_its_id3_and_ape_tags_and_keeps_its_audio(client, cast, interview, media_root):
    original = mp3_with_tags()
    assert str(MP3(io.BytesIO(original)).tags["TPE1"]) == PERSON
    assert APEv2(io.BytesIO(original))["Artist"] == "APE-CANARY"

    attachment, downloaded = round_trip(client, cast["reporter"], interview, "a.mp3", original)

    audio = MP3(io.BytesIO(downloaded))
    assert audio.tags is None
    with pytest.raises(APENoHeaderError):
        APEv2(io.BytesIO(downloaded))
    assert downloaded == MP3_FRAME * 20  # every audio frame, nothing else
    assert attachment.kind == "mp3"
    assert_no_canary_on_disk(media_root)


def test_an_m4a_loses_its_itunes_tags_and_its_quicktime_location(
    client, cast, interview, media_root
):
    original = m4a_with_tags()
    before = MP4(io.BytesIO(original))
    assert before.tags["\xa9ART"] == [PERSON] and before.tags["\xa9xyz"] == [PLACE]
    assert original.count(PLACE.encode()) == 2  # once as an iTunes tag, once for QuickTime

    attachment, downloaded = round_trip(client, cast["reporter"], interview, "a.m4a", original)

    after = MP4(io.BytesIO(downloaded))
    assert not after.tags
    assert after.info.length == pytest.approx(before.info.length)
    assert downloaded.endswith(original[-90:])  # the audio samples are untouched
    assert attachment.kind == "m4a"
    assert_no_canary_on_disk(media_root)


def test_an_ogg_recording_loses_its_comments(client, cast, interview, media_root):
    original = opus_with_comments()
    assert OggOpus(io.BytesIO(original)).tags["artist"] == [PERSON]

    attachment, downloaded = round_trip(client, cast["reporter"], interview, "a.ogg", original)

    after = OggOpus(io.BytesIO(downloaded))
    assert not after.tags.keys()
    assert after.info.length == pytest.approx(1.0)
    assert attachment.kind == "ogg"
    assert_no_canary_on_disk(media_root)


def test_a_webp_photo_loses_its_exif_and_xmp():
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD)[GPS_MAP_DATUM] = GPS_DATUM
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, "WEBP", exif=exif, xmp=b"XMP-CANARY")
    assert b"GPS-CANARY" in out.getvalue()

    cleaned = attachment_sanitize(upload=SimpleUploadedFile("a.webp", out.getvalue()))

    assert cleaned.kind == "webp"
    assert b"CANARY" not in cleaned.content
    assert Image.open(io.BytesIO(cleaned.content)).size == (40, 30)


def test_plain_utf8_text_is_stored_unchanged():
    text = "Notes: the raid was at night. ليلة\n".encode()
    cleaned = attachment_sanitize(upload=SimpleUploadedFile("notes.exe", text))
    assert (cleaned.kind, cleaned.content) == ("text", text)


# Refused --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 8),
        ("photo.jpg", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40)),  # a ZIP, renamed
        ("notes.txt", "Notizen für später".encode("latin-1")),  # not UTF-8
    ],
)
def test_a_file_of_another_kind_is_refused_whatever_its_name_and_nothing_is_written(
    client, cast, interview, media_root, name, content
):
    response = upload(client, cast["reporter"], interview, name, content, "image/jpeg")

    assert response.status_code == 200
    assert "Fieldbook accepts only JPEG, PNG or WebP images, PDF" in " ".join(form_errors(response))
    assert not Attachment.objects.exists()
    assert not stored_files(media_root)


def test_a_file_over_the_size_limit_is_refused(client, cast, interview, media_root, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = upload(client, cast["reporter"], interview, "big.txt", b"x" * 1001)

    assert "larger than the limit of 1000" in " ".join(form_errors(response))
    assert not Attachment.objects.exists()
    assert not stored_files(media_root)


def test_a_huge_upload_is_not_read_past_the_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    upload = io.BytesIO(b"x" * 10_000_000)
    with pytest.raises(ValidationError):
        attachment_sanitize(upload=upload)
    assert upload.tell() == 1001


def test_an_encrypted_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError, match="encrypted or password-protected"):
        attachment_sanitize(upload=SimpleUploadedFile("a.pdf", out.getvalue()))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("pixel_limit", [1000, 2000])  # Pillow's own error, then our check
def test_an_image_with_an_absurd_number_of_pixels_is_refused(monkeypatch, settings, pixel_limit):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pixel_limit)
    settings.ATTACHMENT_MAX_PIXELS = 2000
    out = io.BytesIO()
    Image.new("RGB", (64, 32)).save(out, "PNG")
    with pytest.raises(ValidationError, match="Export it at a lower resolution"):
        attachment_sanitize(upload=SimpleUploadedFile("a.png", out.getvalue()))


def test_a_damaged_file_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError, match="looks like a PDF document, but it is damaged"):
        attachment_sanitize(upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7\nnot really"))


def test_an_attachment_prints_its_title_or_its_kind_and_number(cast, interview):
    titled = make_attachment(interview, cast["reporter"], title="Checkpoint photo")
    untitled = make_attachment(interview, cast["reporter"])
    assert str(titled) == "Checkpoint photo"
    assert str(untitled) == f"text attachment {untitled.pk}"


def test_a_stored_file_cannot_be_replaced_in_place(client, cast, interview):
    attachment = make_attachment(interview, cast["reporter"], content=b"first\n")
    client.force_login(cast["editor"])
    url = reverse("admin:sources_interview_change", args=[interview.pk])
    data = change_form_data(client.get(url))
    data["attachments-0-file"] = SimpleUploadedFile("b.txt", b"second\n")

    assert client.post(url, data).status_code == 302

    attachment.refresh_from_db()
    assert attachment.file.read() == b"first\n"


# Who may download ---------------------------------------------------------------------------


def test_members_of_the_investigation_download_with_no_store_and_nosniff(client, cast, interview):
    attachment = make_attachment(interview, cast["reporter"], title="Night raid notes")
    client.force_login(cast["reporter2"])

    response = client.get(attachment.get_download_url())

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="night-raid-notes.txt"'


def test_an_untitled_attachment_downloads_under_its_kind_and_number(client, cast, interview):
    attachment = make_attachment(interview, cast["reporter"])
    client.force_login(cast["reporter"])
    response = client.get(attachment.get_download_url())
    expected = f'attachment; filename="text-attachment-{attachment.pk}.txt"'
    assert response["Content-Disposition"] == expected


def test_someone_from_another_investigation_gets_a_404(client, cast, interview):
    attachment = make_attachment(interview, cast["reporter"])
    client.force_login(cast["outsider"])
    assert client.get(attachment.get_download_url()).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, cast, interview):
    attachment = make_attachment(interview, cast["reporter"])
    response = client.get(attachment.get_download_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_interview_page_links_to_the_download_view(client, cast, interview):
    attachment = make_attachment(interview, cast["reporter"])
    client.force_login(cast["reporter"])
    response = client.get(reverse("admin:sources_interview_change", args=[interview.pk]))
    assert attachment.get_download_url() in response.content.decode()


def test_someone_who_may_only_read_sees_the_attachments_and_their_links(client, cast, interview):
    attachment = make_attachment(interview, cast["reporter"])
    reporters = Group.objects.get(name="Reporter")
    reporters.permissions.remove(
        *Permission.objects.filter(codename__in=["add_attachment", "change_attachment"])
    )
    client.force_login(cast["reporter2"])
    response = client.get(reverse("admin:sources_interview_change", args=[interview.pk]))
    assert response.status_code == 200
    assert attachment.get_download_url() in response.content.decode()


def test_no_url_serves_the_media_root(client, cast, interview, settings):
    for pattern in url_patterns(get_resolver().url_patterns):
        assert pattern.callback is not static.serve, pattern
        assert "document_root" not in pattern.default_args, pattern
    attachment = make_attachment(interview, cast["reporter"])
    client.force_login(cast["reporter"])
    for prefix in {"/", "/media/", f"/{settings.MEDIA_URL.strip('/')}/"}:
        assert client.get(f"{prefix}attachments/{attachment.file.name}").status_code == 404
    with pytest.raises(ValueError, match="no URL"):
        attachment.file.url  # noqa: B018


def url_patterns(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns)
        else:
            yield pattern


# Bombs, video, recording times ------------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"  # made once with Debian's ffmpeg 5.1 (see README)


def png_declaring(width, height):
    """A real grey PNG of width x height, its zeros compressed: 88 megapixels in ~90 kB."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    squeeze, row, pixels = zlib.compressobj(9), bytes(width + 1), []
    for _ in range(height):
        pixels.append(squeeze.compress(row))
    pixels.append(squeeze.flush())

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    body = b"".join(pixels)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def test_an_88_megapixel_png_of_a_few_kilobytes_is_refused_from_its_header(settings):
    settings.ATTACHMENT_MAX_PIXELS = 40_000_000
    data = png_declaring(9400, 9400)
    assert len(data) < 200_000

    with pytest.raises(ValidationError, match="more than 40 million pixels"):
        attachment_sanitize(upload=SimpleUploadedFile("a.png", data))


def boxes(data, start=0, end=None, path=()):
    """(path, offset, header, size) of every box, descending into the containers."""
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, header = int.from_bytes(data[start : start + 4], "big"), 8
        if size == 1:
            size, header = int.from_bytes(data[start + 8 : start + 16], "big"), 16
        kind = data[start + 4 : start + 8]
        yield (*path, kind), start, header, size
        if kind in {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts"}:
            yield from boxes(data, start + header, start + size, (*path, kind))
        start += size


def times(data):
    """{box path: (creation, modification)} of every mvhd, tkhd and mdhd."""
    found = {}
    for path, offset, header, _size in boxes(data):
        if path[-1] in (b"mvhd", b"tkhd", b"mdhd"):
            body = offset + header
            width = 8 if data[body] == 1 else 4
            created = int.from_bytes(data[body + 4 : body + 4 + width], "big")
            modified = int.from_bytes(data[body + 4 + width : body + 4 + 2 * width], "big")
            found[(b"/".join(path), offset)] = (created, modified)
    return found


def box_kinds(data):
    return {path[-1] for path, *_ in boxes(data)}


def mdat(data):
    ((_, offset, header, size),) = [b for b in boxes(data) if b[0] == (b"mdat",)]
    return data[offset + header : offset + size]


# When the fixtures say they were recorded (2019-03-11 21:30 UTC), as MP4 counts: from 1904.
MARCH_2019 = int(
    (datetime.datetime(2019, 3, 11, 21, 30) - datetime.datetime(1904, 1, 1)).total_seconds()
)


@pytest.mark.parametrize(
    "name, kind, content_type, tracks",
    [
        ("phone.mp4", "mp4", "video/mp4", {b"vide", b"soun"}),
        ("iphone.mov", "mov", "video/quicktime", {b"vide", b"soun", b"tmcd"}),
        ("recording.m4a", "m4a", "audio/mp4", {b"soun"}),
    ],
)
def test_a_recording_loses_its_times_place_and_maker_and_keeps_its_picture_and_sound(
    client, cast, interview, media_root, name, kind, content_type, tracks
):
    from sources.attachments import mp4_tracks

    original = (FIXTURES / name).read_bytes()
    assert set(times(original).values()) == {(MARCH_2019, MARCH_2019)}
    assert b"udta" in box_kinds(original)

    attachment, downloaded = round_trip(client, cast["reporter"], interview, name, original)

    assert (attachment.kind, attachment.content_type) == (kind, content_type)
    assert set(times(downloaded).values()) == {(0, 0)}
    assert len(times(downloaded)) == len(times(original))  # every movie, track and medium
    assert not {b"udta", b"meta", b"uuid"} & box_kinds(downloaded)
    for canary in (b"35.3312", b"Apple", b"iPhone", b"Lavf", b"Call with source"):
        assert canary not in downloaded, canary
    assert {handler for _trak, handler in mp4_tracks(bytearray(downloaded))} == tracks
    if kind != "m4a":  # cleaned in place: every byte of picture and sound where it was
        assert len(downloaded) == len(original)


def test_an_iphone_video_keeps_its_picture_and_sound_but_not_its_timecode(client, cast, interview):
    original = (FIXTURES / "iphone.mov").read_bytes()

    _attachment, downloaded = round_trip(client, cast["reporter"], interview, "a.mov", original)

    before, after = mdat(original), mdat(downloaded)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    # Only the timecode's one sample (the time of day, 21:30:00:00 as a frame count) changed.
    assert 0 < len(changed) <= 4 and max(changed) - min(changed) < 4
    assert all(after[i] == 0 for i in changed)


def test_a_phone_video_is_not_stored_as_audio(client, cast, interview):
    original = (FIXTURES / "phone.mp4").read_bytes()
    attachment, _ = round_trip(client, cast["reporter"], interview, "voice-memo.m4a", original)
    assert attachment.kind == "mp4" and attachment.get_kind_display() == "MP4 video"


def test_a_heic_photo_is_refused_saying_what_to_do():
    heic = struct.pack(">I", 24) + b"ftypheic" + bytes(4) + b"mif1heic" + bytes(64)
    with pytest.raises(ValidationError, match="HEIC.*share the photo as JPEG"):
        attachment_sanitize(upload=SimpleUploadedFile("IMG_0001.HEIC", heic))
