"""Source-protection workflows: revealing, changing and erasing identities, always logged."""

import hashlib
import io
from dataclasses import dataclass, field
from datetime import timedelta

import mutagen
import mutagen.apev2
import mutagen.id3
import mutagen.mp4
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from mutagen.mp3 import MP3
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from investigation import access
from investigation.models import EDITING_ROLES, FollowUp, Investigation, Membership
from investigation.services import reminder_arm
from sources.fields import (
    current_keys,
    encrypted_columns,
    key_id,
    require_keys_open_what_is_stored,
)
from sources.models import Attachment, IdentityAccess, Source

REVEAL_BURST_LIMIT = 5
REVEAL_BURST_WINDOW = timedelta(hours=24)
MINIMUM_REASON_LENGTH = 10


def check_reason(reason):
    if len((reason or "").strip()) < MINIMUM_REASON_LENGTH:
        raise PermissionDenied("Say why you need to see who this is (a sentence).")


@sensitive_variables("identity")
def identity_reveal(*, source, user, reason):
    """The identity in plain text for someone who needs to know, with the read logged."""
    if not access.may_see_identity(user, source):
        raise PermissionDenied("Only the handler and the investigation's editors see identities.")
    check_reason(reason)
    identity = {name: getattr(source, name).reveal() for name in Source.IDENTITY_FIELDS}
    access_log(subject=source, user=user, action=IdentityAccess.Action.REVEAL, reason=reason)
    if reveal_burst_crossed(user=user, source=source):
        from sources.tasks import notify_reveal_burst

        notify_reveal_burst.delay_on_commit(user.pk, source.investigation_id)
    return identity


@sensitive_variables("values")
def identity_update(*, source, user, reason, values):
    """Change identity fields; the source goes back to protection review."""
    if not access.may_see_identity(user, source):
        raise PermissionDenied("Only the handler and the investigation's editors see identities.")
    check_reason(reason)
    changed = [name for name in Source.IDENTITY_FIELDS if name in values]
    with transaction.atomic():
        for name in changed:
            setattr(source, name, values[name])
        source.note_edit(changed, user)
        source.save()
        access_log(subject=source, user=user, action=IdentityAccess.Action.EDIT, reason=reason)


def identity_erase(*, source, user, reason):
    """Burn a source's identity: erase it (and its interviews' sensitive notes) for good,
    keeping the codename and everything attributed to it."""
    if not access.may_review(user, source):
        raise PermissionDenied("Only the investigation's editors and admins erase identities.")
    check_reason(reason)
    require_keys_open_what_is_stored()  # a wrong key must not even erase
    with transaction.atomic():
        for name in Source.IDENTITY_FIELDS:
            setattr(source, name, "")
        source.save()
        for interview in source.interviews.all():
            interview.sensitive_notes = ""
            interview.save(update_fields=["sensitive_notes"])
        access_log(subject=source, user=user, action=IdentityAccess.Action.ERASE, reason=reason)


@sensitive_variables("notes")
def notes_reveal(*, interview, user, reason):
    """An interview's sensitive notes in plain text for its interviewer or an editor, logged
    like a reveal."""
    if not access.may_read_sensitive_notes(user, interview):
        raise PermissionDenied("Only the interviewer and the investigation's editors read these.")
    check_reason(reason)
    notes = interview.sensitive_notes.reveal()
    access_log(subject=interview, user=user, action=IdentityAccess.Action.NOTES_READ, reason=reason)
    return notes


@sensitive_variables("notes")
def notes_update(*, interview, user, reason, notes):
    if not access.may_read_sensitive_notes(user, interview):
        raise PermissionDenied("Only the interviewer and the investigation's editors read these.")
    check_reason(reason)
    with transaction.atomic():
        interview.sensitive_notes = notes
        interview.save(update_fields=["sensitive_notes", "updated_at"])
        access_log(
            subject=interview, user=user, action=IdentityAccess.Action.NOTES_EDIT, reason=reason
        )


def source_hand_over(*, source, to, by, reason):
    """Make `to` the source's handler: only an editor of its investigation, with a reason, to
    a member of it; logged, and both the previous and the new handler are emailed."""
    return holder_hand_over(row=source, field="handler", to=to, by=by, reason=reason)


def interview_hand_over(*, interview, to, by, reason):
    """Make `to` the interviewer (who may read the sensitive notes), as source_hand_over."""
    return holder_hand_over(row=interview, field="interviewer", to=to, by=by, reason=reason)


def holder_hand_over(*, row, field, to, by, reason):
    if not access.may_hand_over(by, row):
        raise PermissionDenied("Only the investigation's editors hand over sources and interviews.")
    if not access.may_hold(to, row.investigation_id):
        raise ValidationError("Choose an active member of this investigation.")
    check_reason(reason)
    previous = getattr(row, field)
    if previous == to:
        raise ValidationError(f"{to.get_username()} already holds it.")
    with transaction.atomic():
        setattr(row, field, to)
        row.save(update_fields=[field, "updated_at"])
        entry = access_log(
            subject=row,
            user=by,
            action=IdentityAccess.Action.HAND_OVER,
            reason=reason,
            handed_from=previous,
            handed_to=to,
        )
    from sources.tasks import notify_hand_over

    notify_hand_over.delay_on_commit(entry.pk)
    return entry


def access_log(*, subject, user, action, reason, **fields):
    """One append-only row of the access log about a source or an interview."""
    about = {"source": subject} if isinstance(subject, Source) else {"interview": subject}
    return IdentityAccess.objects.create(
        investigation_id=subject.investigation_id,
        user=user,
        action=action,
        reason=reason.strip(),
        **about,
        **fields,
    )


def hand_over_notify(*, access_id):
    """Email the previous and the new holder of a handed-over source or interview: codename or
    date and a link, never a name or a place."""
    entry = IdentityAccess.objects.select_related(
        "source", "interview", "user", "handed_from", "handed_to"
    ).get(pk=access_id)
    subject_row = entry.source or entry.interview
    what = f"source {entry.source.codename}" if entry.source else f"interview {entry.interview}"
    recipients = [p.email for p in (entry.handed_from, entry.handed_to) if p and p.email]
    body = (
        f"{entry.user.get_username()} handed the {what} over from "
        f"{entry.handed_from.get_username()} to {entry.handed_to.get_username()}.\n\n"
        f"Open it: {settings.SITE_URL}{subject_row.get_absolute_url()}\n"
    )
    return send_mail(f"[Fieldbook] {what.capitalize()} handed over", body, None, recipients)


def reveal_burst_crossed(*, user, source):
    """True on the reveal that takes one person past REVEAL_BURST_LIMIT distinct sources in
    the window (once per crossing, so editors get one alert, not one per reveal)."""
    window = IdentityAccess.objects.filter(
        user=user,
        action=IdentityAccess.Action.REVEAL,
        at__gte=timezone.now() - REVEAL_BURST_WINDOW,
    )
    revealed = window.values("source").distinct().count()
    repeat = window.filter(source=source).count() > 1
    return revealed == REVEAL_BURST_LIMIT + 1 and not repeat


def reveal_burst_notify(*, user_id, investigation_id):
    """Email the investigation's editors: who revealed how many identities (codenames only)."""
    accesses = IdentityAccess.objects.filter(
        user_id=user_id,
        action=IdentityAccess.Action.REVEAL,
        at__gte=timezone.now() - REVEAL_BURST_WINDOW,
    ).select_related("source", "user")
    if not accesses:
        return 0
    person = accesses[0].user
    codenames = sorted({access.source.codename for access in accesses})
    editors = Membership.objects.filter(
        investigation_id=investigation_id, role__in=EDITING_ROLES, user__is_active=True
    ).exclude(user__email="")
    recipients = [membership.user.email for membership in editors.select_related("user")]
    log_url = settings.SITE_URL + reverse("admin:sources_identityaccess_changelist")
    body = (
        f"{person.get_username()} revealed the identities of {len(codenames)} sources in the "
        f"last 24 hours: {', '.join(codenames)}.\n\nRead the access log: {log_url}?user__id__exact="
        f"{person.pk}\n"
    )
    subject = f"[Fieldbook] {person.get_username()} revealed {len(codenames)} identities in 24 h"
    return send_mail(subject, body, None, recipients)


def identities_rotate(*, batch_size=500, progress=None):
    """Re-encrypt every identity value under the newest key, in batches of committed work.

    Rows already under the newest key are skipped, so an interrupted run resumes where it
    stopped. Returns {column: (re-encrypted, already current)}.
    """
    newest = key_id(current_keys()[0])
    report = {}
    for model, name in encrypted_columns():
        label = f"{model._meta.label_lower}.{name}"
        report[label] = column_rotate(model, name, newest, batch_size, progress, label)
    return report


def column_rotate(model, name, newest, batch_size, progress, label):
    rows = model._base_manager.exclude(**{name: ""}).order_by("pk")
    total, rotated, current, last_pk = rows.count(), 0, 0, 0
    while True:
        batch = list(rows.filter(pk__gt=last_pk).values_list("pk", name)[:batch_size])
        if not batch:
            return rotated, current
        stale = [(pk, sealed) for pk, sealed in batch if sealed.key_id != newest]
        with transaction.atomic():
            for pk, sealed in stale:
                model._base_manager.filter(pk=pk).update(**{name: sealed.reveal()})
        rotated, current, last_pk = (
            rotated + len(stale),
            current + len(batch) - len(stale),
            batch[-1][0],
        )
        if progress:
            progress(label, rotated + current, total)


# Attachments: metadata stripped before anything is stored -------------------------------------

Kind = Attachment.Kind
ACCEPTED = "JPEG, PNG or WebP images, PDF documents, MP3, M4A or Ogg audio, or plain UTF-8 text"
M4A_BRANDS = {b"M4A ", b"mp42", b"isom"}


def is_mpeg_frame_sync(data):
    """Eleven set bits: FF Ex or FF Fx."""
    return data[:1] == b"\xff" and data[1:2] >= b"\xe0"


MAGIC = (
    (Kind.JPEG, lambda data: data.startswith(b"\xff\xd8\xff")),
    (Kind.PNG, lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
    (Kind.WEBP, lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP"),
    (Kind.PDF, lambda data: data.startswith(b"%PDF-")),
    (Kind.MP3, lambda data: data.startswith(b"ID3") or is_mpeg_frame_sync(data)),
    (Kind.M4A, lambda data: data[4:8] == b"ftyp" and data[8:12] in M4A_BRANDS),
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
MP4_CONTAINERS = {b"moov", b"trak"}
MP4_METADATA = {b"udta", b"meta", b"uuid"}


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
            return kind
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
        f"This image has more than {Image.MAX_IMAGE_PIXELS:,} pixels, so it was not saved. "
        "Export it at a lower resolution.",
        code="too_many_pixels",
    )
    try:
        image = Image.open(io.BytesIO(data), formats=[IMAGE_FORMATS[kind][0]])
    except Image.DecompressionBombError:
        raise too_big from None
    if image.width * image.height > Image.MAX_IMAGE_PIXELS:
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


def m4a_strip(data, kind):
    buffer = io.BytesIO(data)
    mutagen.mp4.delete(buffer)  # the iTunes tags: ©nam, ©ART, ©day, ©xyz (place) ...
    cleaned = bytearray(buffer.getvalue())
    mp4_metadata_blank(cleaned, 0, len(cleaned))
    return bytes(cleaned)


def mp4_metadata_blank(data, start, end):
    """Overwrite each metadata atom with a zeroed `free` atom of the same size, so that no
    offset moves. mutagen removes the iTunes tags only; QuickTime keeps the place and the
    device in moov/udta and moov/meta, and XMP lives in uuid atoms."""
    for offset, header, size, atom in mp4_atoms(data, start, end):
        if atom in MP4_METADATA:
            data[offset + 4 : offset + 8] = b"free"
            data[offset + header : offset + size] = bytes(size - header)
        elif atom in MP4_CONTAINERS:
            mp4_metadata_blank(data, offset + header, offset + size)


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
    Kind.M4A: m4a_strip,
    Kind.OGG: ogg_strip,
    Kind.TEXT: lambda data, kind: data,  # UTF-8 text has nowhere to hide metadata
}


# Welfare checks ------------------------------------------------------------------------------

# A welfare check asks the handler to make sure the source is safe within this long.
WELFARE_CHECK_WITHIN = timedelta(days=2)


def welfare_checks_schedule():
    """One welfare-check follow-up for the handler of each source of an active investigation
    that has been silent longer than its protection level allows (WELFARE_CHECK_DAYS). Silence
    counts from the last recorded contact, or the last welfare check if later; while a check is
    open there is never a second one. Returns the follow-ups created."""
    now = timezone.now()
    created = [welfare_check_create(source=source, now=now) for source in silent_sources(now)]
    return [follow_up for follow_up in created if follow_up]


def silent_sources(now):
    today = timezone.localdate(now)
    checks = FollowUp.objects.filter(source=OuterRef("pk"), kind=FollowUp.Kind.WELFARE_CHECK)
    sources = (
        Source.objects.filter(investigation__status=Investigation.Status.ACTIVE)
        .exclude(Exists(checks.filter(status=FollowUp.Status.OPEN)))
        .annotate(last_check=Subquery(checks.order_by("-created_at").values("created_at")[:1]))
        .defer(*Source.IDENTITY_FIELDS)
    )
    days = settings.WELFARE_CHECK_DAYS
    return [
        source
        for source in sources
        if silence_start(source) <= today - timedelta(days[source.protection_level])
    ]


def silence_start(source):
    """The day of the last recorded contact (else the day the source was logged), or of the
    last welfare check if that came later."""
    heard = source.last_contact_at or timezone.localdate(source.created_at)
    if source.last_check:
        return max(heard, timezone.localdate(source.last_check))
    return heard


def welfare_check_create(*, source, now):
    """The welfare check, or None when a concurrent run made one first (the database allows
    one open welfare check per source: investigation_followup_one_open_welfare_check)."""
    heard = source.last_contact_at
    since = f"since {heard:%d %b %Y}" if heard else "yet"
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                investigation_id=source.investigation_id,
                kind=FollowUp.Kind.WELFARE_CHECK,
                title=f"Welfare check on {source.codename}: no contact recorded {since}",
                source=source,
                assignee_id=source.handler_id,
                due_at=now + WELFARE_CHECK_WITHIN,
                priority=FollowUp.Priority.URGENT,
            )
            reminder_arm(follow_up=follow_up)
    except IntegrityError:
        return None
    return follow_up
