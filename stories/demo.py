"""The demo data set that `manage.py seed_demo` loads (docs/demo-investigation.md).

Two investigations: the Kirkuk raids, whose public events and four focus raids follow published
reporting (paraphrased), and a small second desk that shows compartments. Routine raids,
attacks and every person are illustrative; identities are fictional and look it.
Text that mentions a source holds `{key}` placeholders that become the source's codename.
"""

import os
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from events.models import Actor, DatePrecision, Event, EventActor, Location
from investigation import search
from investigation.models import FollowUp, Investigation, Membership, Role
from sources.models import Interview, InterviewEvent, InterviewSource, SharedAccount, Source
from stories.claims import claim_clear
from stories.models import Claim, Document, Evidence

MAIN_SLUG = "kirkuk-raids"
OTHER_SLUG = "demo-other-desk"
PASSWORD_FILE = "demo-password"  # noqa: S105 (a file name, not a password)

# username, first name, last name
USERS = (
    ("reporter", "Demo", "Reporter"),
    ("reporter2", "Demo", "Reporter 2"),
    ("editor", "Demo", "Editor"),
    ("admin", "Demo", "Admin"),
    ("outsider", "Demo", "Outsider"),
)

# Short names keep the tables below on one line a row.
K, E, S = Actor.Kind, Event.Kind, Event.Status
PRIMARY, SECONDARY, ASSOCIATED, WITH_SECONDARY = EventActor.Role
MONTH, WEEK, DAY = DatePrecision.MONTH, DatePrecision.WEEK, DatePrecision.DAY
SRC, REVIEW, MODE = Source.Category, Source.ReviewStatus, Interview.Mode
LEVEL, PRIORITY = Source.ProtectionLevel, FollowUp.Priority
ORIGIN, DOC, KNOW = Event.Origin, Document.Kind, Evidence.Knowledge


def _at(*parts):
    return datetime(*parts, tzinfo=UTC)


# fmt: off
# The Kirkuk raids ------------------------------------------------------------------------------

# key, name, province (admin1), district (admin2), latitude, longitude, geo precision,
# other names (one a line: spellings and the Arabic name; search finds the place by any)
PLACES = (
    ("kirkuk_city", "Kirkuk city", "Kirkuk", "Kirkuk", 35.468, 44.392, 1, "Kirkuk\nKerkuk\nكركوك"),
    ("hawija", "Hawija", "Kirkuk", "Hawija", 35.329, 43.760, 1,
     "Huwija\nHawijah\nal-Hawija\nالحويجة"),
    ("k1", "K1 air base", "Kirkuk", "Kirkuk", 35.513, 44.281, 2, "K-1\nقاعدة كي وان"),
    ("qayyarah", "Qayyarah Airfield West", "Ninewa", "Mosul", 35.764, 43.125, 2,
     "Q-West\nQayyara\nالقيارة"),
    ("mosul", "Mosul", "Ninewa", "Mosul", 36.340, 43.130, 1, "al-Mawsil\nالموصل"),
    ("bia", "Baghdad International Airport", "Baghdad", "Baghdad", 33.263, 44.235, 1,
     "BIAP\nمطار بغداد الدولي"),
    ("taji", "Camp Taji", "Baghdad", "Tarmiya", 33.525, 44.256, 2, "Taji\nمعسكر التاجي"),
    ("baghdad", "Baghdad", "Baghdad", "Baghdad", 33.315, 44.366, 1, "بغداد"),
    ("village_a", "Village near Hawija (A)", "Kirkuk", "Hawija", 35.412, 43.842, 2, ""),
    ("village_b", "Village near Hawija (B)", "Kirkuk", "Hawija", 35.268, 43.695, 2, ""),
    ("village_c", "Village near Hawija (C)", "Kirkuk", "Hawija", 35.371, 43.948, 2, ""),
    ("village_d", "Village near Hawija (D)", "Kirkuk", "Hawija", 35.225, 43.889, 3, ""),
    ("village_e", "Village near Hawija (E)", "Kirkuk", "Hawija", 35.440, 43.655, 2, ""),
    ("village_f", "Village near Hawija (F)", "Kirkuk", "Hawija", 35.301, 43.612, 3, ""),
    ("kirkuk_rural", "Farmland west of Kirkuk city", "Kirkuk", "Kirkuk", 35.430, 44.200, 3, ""),
    ("checkpoint", "Checkpoint south of Kirkuk city", "Kirkuk", "Kirkuk", 35.300, 44.400, 3, ""),
)

# key, name, kind, description, other names (one a line: abbreviations, spellings, Arabic)
ACTORS = (
    ("us_sof", "US special operations forces", K.STATE_FORCE,
     "Went out with Iraqi partner forces on raids, not only advising them.",
     "US special forces\nSOF\nالقوات الخاصة الأمريكية"),
    ("partner", "Iraqi partner forces", K.PARTNER_FORCE,
     "Iraqi army and counter-terrorism units working with the coalition.",
     "Iraqi security forces\nISF\nالقوات الأمنية العراقية"),
    ("joc", "Joint Operations Command (JOC)", K.STATE_FORCE,
     "Iraqi command that clears joint missions.",
     "JOC\nقيادة العمليات المشتركة"),
    ("tribal_pmf", "Sunni tribal PMF", K.MILITIA,
     "Local tribal mobilisation units that hold village checkpoints.",
     "Tribal Mobilisation\nal-Hashd al-Asha'iri\nالحشد العشائري"),
    ("shia_pmf", "Shia PMF", K.MILITIA,
     "Popular Mobilization Forces factions, several close to Iran.",
     "Popular Mobilization Forces\nHashd al-Shaabi\nالحشد الشعبي"),
    ("badr", "Badr Organization", K.MILITIA,
     "Iran-aligned PMF faction with checkpoints in the province.",
     "Badr\nBadr Organisation\nBadr Brigade\nمنظمة بدر"),
    ("isis", "ISIS", K.ARMED_GROUP, "Insurgent cells in the district and the hills around it.",
     "ISIL\nIslamic State\nDaesh\nداعش"),
    ("coalition", "Coalition (Operation Inherent Resolve)", K.COALITION,
     "The US-led coalition against ISIS.",
     "OIR\nCJTF-OIR\nالتحالف الدولي"),
    ("oig", "DoD Office of Inspector General", K.GOVERNMENT,
     "Oversight body; its quarterly reports are a published source, not a combatant.",
     "DoD IG\nLead Inspector General"),
    ("us_military", "US military", K.STATE_FORCE, "US forces acting outside the partner missions.",
     "US forces\nالقوات الأمريكية"),
    ("unidentified", "Unidentified armed group", K.ARMED_GROUP, "Attackers no one claimed for.",
     ""),
    ("civilians", "Civilians", K.CIVILIANS, "Farmers, shepherds, drivers and their families.",
     "مدنيون"),
    ("iraq_gov", "Government of Iraq", K.GOVERNMENT, "", "Iraqi government\nالحكومة العراقية"),
    ("us_gov", "US government", K.GOVERNMENT, "", "US administration"),
)

JOINT_RAID = (("partner", PRIMARY), ("us_sof", ASSOCIATED), ("isis", SECONDARY))

# key, month, place, title, description
FOCUS_RAIDS = (
    ("focus_nov", date(2018, 11, 1), "village_a", "Joint night raid on a suspected ISIS safe house",
     "Iraqi partner troops and US special forces went in together after dark. The Americans "
     "called in air cover and joined the search; partner officers recall a brief firefight."),
    ("focus_dec", date(2018, 12, 1), "village_b", "Joint raid to detain a suspected cell leader",
     "A small joint team moved in on foot before dawn. US personnel had worked up the "
     "intelligence behind the raid and questioned detainees with the Iraqi officers."),
    ("focus_jan", date(2019, 1, 1), "village_c", "Joint raid on a reported ISIS weapons cache",
     "Residents remember helicopters overhead all night. The partner force says the weapons "
     "were found and destroyed, with US soldiers on the ground beside them."),
    ("focus_feb", date(2019, 2, 1), "village_d", "Joint night raid on fighters in farm sheds",
     "An air strike hit the sheds before Iraqi and US troops cleared them together. Farmers "
     "say the area stayed quiet for months afterwards."),
)

# key, month, place, status, title
ROUTINE_RAIDS = (
    ("raid_1811", date(2018, 11, 1), "village_e", S.REPORTED, "Joint search operation"),
    ("raid_1812a", date(2018, 12, 1), "village_f", S.REPORTED, "Joint night raid"),
    ("raid_1812b", date(2018, 12, 1), "kirkuk_rural", S.CORROBORATED, "Joint raid on a hideout"),
    ("raid_1901", date(2019, 1, 1), "village_b", S.CORROBORATED, "Joint night raid"),
    ("raid_1902", date(2019, 2, 1), "hawija", S.REPORTED, "Joint arrest operation"),
    ("raid_1903a", date(2019, 3, 1), "village_e", S.CORROBORATED, "Joint raid with air cover"),
    ("raid_1903b", date(2019, 3, 1), "village_c", S.REPORTED, "Joint search of farm buildings"),
    ("raid_1904a", date(2019, 4, 1), "village_f", S.REPORTED, "Joint night raid"),
    ("raid_1904b", date(2019, 4, 1), "kirkuk_rural", S.REPORTED, "Joint raid on a tunnel"),
    ("raid_1905", date(2019, 5, 1), "village_d", S.CORROBORATED, "Joint night raid"),
    ("raid_1906", date(2019, 6, 1), "village_a", S.REPORTED, "Joint search operation"),
    ("raid_1907", date(2019, 7, 1), "village_e", S.REPORTED, "Joint night raid"),
    ("raid_1909", date(2019, 9, 1), "village_f", S.REPORTED, "Joint raid, delayed by access"),
    ("raid_1910", date(2019, 10, 1), "hawija", S.REPORTED, "Last joint raid recalled by sources"),
)
ROUTINE_RAID_DESCRIPTION = "Joint Iraqi–US night raid recalled by partner-force sources."

# key, day (week precision), kind, place, target actor, fatalities, status, title
ATTACKS = (
    ("att_1902", date(2019, 2, 11), E.IED, "village_f", "civilians", 1, S.CORROBORATED,
     "Roadside bomb hits a farm vehicle"),
    ("att_1905", date(2019, 5, 20), E.ATTACK, "village_e", "tribal_pmf", 2, S.REPORTED,
     "ISIS fighters attack a tribal PMF checkpoint"),
    ("att_1907", date(2019, 7, 8), E.ATTACK, "village_b", "civilians", 0, S.REPORTED,
     "Wheat fields set alight; ISIS suspected"),
    ("att_1908", date(2019, 8, 14), E.IED, "kirkuk_rural", "civilians", 0, S.REPORTED,
     "Bomb damages an irrigation pump"),
    ("att_1909", date(2019, 9, 23), E.IED, "village_c", "partner", 1, S.CORROBORATED,
     "Roadside bomb hits an army patrol"),
    ("att_1910", date(2019, 10, 15), E.ATTACK, "village_a", "tribal_pmf", 2, S.CORROBORATED,
     "Night attack on a tribal PMF post"),
    ("att_1911a", date(2019, 11, 4), E.ATTACK, "hawija", "partner", 1, S.REPORTED,
     "Sniper fire on an army checkpoint"),
    ("att_1911b", date(2019, 11, 25), E.IED, "village_d", "civilians", 0, S.REPORTED,
     "Explosion in an abandoned house"),
    ("att_1912a", date(2019, 12, 2), E.ATTACK, "village_e", "tribal_pmf", 3, S.CONFIRMED,
     "Coordinated attack on two tribal PMF posts"),
    ("att_1912b", date(2019, 12, 19), E.ATTACK, "village_f", "civilians", 1, S.REPORTED,
     "Gunmen kill a village guard"),
    ("att_2001a", date(2020, 1, 9), E.IED, "hawija", "partner", 2, S.CORROBORATED,
     "Roadside bomb hits an army supply truck"),
    ("att_2001b", date(2020, 1, 27), E.ATTACK, "village_c", "tribal_pmf", 1, S.REPORTED,
     "Checkpoint attacked at night"),
    ("att_2002a", date(2020, 2, 6), E.ATTACK, "village_b", "civilians", 2, S.CORROBORATED,
     "Gunmen kill two shepherds"),
    ("att_2002b", date(2020, 2, 20), E.IED, "village_d", "partner", 1, S.REPORTED,
     "Bomb on a patrol route"),
    ("att_2002c", date(2020, 2, 24), E.ATTACK, "kirkuk_rural", "partner", 2, S.CORROBORATED,
     "Attack on a federal police post"),
    ("att_2003a", date(2020, 3, 3), E.ATTACK, "village_a", "tribal_pmf", 2, S.CORROBORATED,
     "Tribal PMF post overrun for an hour"),
    ("att_2003b", date(2020, 3, 16), E.ATTACK, "village_e", "partner", 3, S.CONFIRMED,
     "Ambush on an army patrol"),
    ("att_2003c", date(2020, 3, 30), E.IED, "hawija", "civilians", 0, S.DISPUTED,
     "Blast near the market: ISIS or a local feud?"),
    ("att_2004a", date(2020, 4, 8), E.ATTACK, "village_f", "tribal_pmf", 2, S.REPORTED,
     "Mortar fire on a tribal PMF base"),
    ("att_2004b", date(2020, 4, 22), E.ATTACK, "village_c", "partner", 1, S.CORROBORATED,
     "Night attack on an army outpost"),
    ("att_2004c", date(2020, 4, 28), E.ATTACK, "kirkuk_rural", "partner", 1, S.REPORTED,
     "Gunmen fire on an oil-field guard post"),
    ("att_2005", date(2020, 5, 2), E.IED, "village_b", "civilians", 1, S.REPORTED,
     "Roadside bomb hits a minibus"),
)

KEY_EVENTS = (
    {"key": "blockade", "kind": E.BLOCKADE, "date": date(2019, 8, 1), "date_precision": MONTH,
     "place": "checkpoint", "title": "Badr Organization blocks a joint convoy cleared by the JOC",
     "description": "A Badr checkpoint turned back a joint Iraqi–US convoy on its way to a "
     "mission the Joint Operations Command had already approved; the mission was dropped.",
     "status": S.REPORTED, "fatalities": 0, "by": "reporter2",
     "actors": (("badr", PRIMARY), ("partner", SECONDARY), ("us_sof", WITH_SECONDARY),
                ("joc", WITH_SECONDARY))},
    {"key": "airport_strike", "kind": E.AIR_STRIKE, "date": date(2020, 1, 3), "date_precision": DAY,
     "place": "bia", "title": "US strike at Baghdad airport kills Soleimani and al-Muhandis",
     "description": "A US drone strike on vehicles leaving the airport killed the Iranian "
     "commander and the PMF's deputy chief. Two days later Iraq's parliament voted for "
     "foreign troops to leave.",
     "status": S.CONFIRMED, "publishable": True, "by": "editor",
     "actors": (("us_military", PRIMARY), ("shia_pmf", SECONDARY))},
    {"key": "taji", "kind": E.ATTACK, "date": date(2020, 3, 11), "date_precision": DAY,
     "place": "taji", "title": "Rocket attack on Camp Taji kills three coalition personnel",
     "description": "Rockets fired from outside the base killed two Americans and a British "
     "soldier and wounded others. US strikes on militia sites followed the next day.",
     "status": S.CONFIRMED, "fatalities": 3, "publishable": True, "by": "editor",
     "actors": (("unidentified", PRIMARY), ("coalition", SECONDARY))},
    {"key": "handover_qayyarah", "kind": E.STRATEGIC, "date": date(2020, 3, 26),
     "date_precision": DAY, "place": "qayyarah",
     "title": "Coalition hands Qayyarah Airfield West to Iraqi forces",
     "description": "One of five bases the coalition left that spring; it had supported "
     "the raids in Kirkuk province.",
     "status": S.CONFIRMED, "fatalities": 0, "publishable": True, "by": "editor",
     "actors": (("coalition", PRIMARY), ("partner", ASSOCIATED))},
    {"key": "handover_k1", "kind": E.STRATEGIC, "date": date(2020, 3, 29), "date_precision": DAY,
     "place": "k1", "title": "Coalition hands K1 air base to Iraqi forces",
     "description": "The coalition leaves the base near Kirkuk city that had served the "
     "joint raids; officials say the fight against ISIS is barely affected.",
     "status": S.CONFIRMED, "fatalities": 0, "publishable": True, "by": "editor",
     "actors": (("coalition", PRIMARY), ("partner", ASSOCIATED))},
    {"key": "dialogue", "kind": E.STRATEGIC, "date": date(2020, 6, 1), "date_precision": MONTH,
     "place": "baghdad", "title": "US–Iraq strategic dialogue begins",
     "description": "The two governments open talks on the future of US forces in Iraq; "
     "the first round is held by video link.",
     "status": S.CONFIRMED, "fatalities": 0, "publishable": True, "by": "editor",
     "actors": (("us_gov", PRIMARY), ("iraq_gov", SECONDARY))},
)


def _focus_raid(key, month, place, title, description):
    return {"key": key, "kind": E.RAID, "date": month, "date_precision": MONTH, "place": place,
            "title": title, "description": description, "status": S.CORROBORATED,
            "highlighted": True, "publishable": True, "by": "reporter", "actors": JOINT_RAID}


def _routine_raid(key, month, place, status, title):
    return {"key": key, "kind": E.RAID, "date": month, "date_precision": MONTH, "place": place,
            "title": title, "description": ROUTINE_RAID_DESCRIPTION, "status": status,
            "by": "reporter", "actors": JOINT_RAID}


def _attack(key, day, kind, place, target, fatalities, status, title):
    """Background data: attacks as an ACLED import brings them, not our own reporting."""
    return {"key": key, "kind": kind, "date": day, "date_precision": WEEK, "place": place,
            "title": title, "status": status, "fatalities": fatalities, "by": "admin",
            "origin": ORIGIN.ACLED, "external_id": f"IRQDEMO{day:%y%m%d}",
            "acled_source": "Demo: local media", "original_type": "Violence against civilians"
            if target == "civilians" else "Battles",
            "actors": (("isis", PRIMARY), (target, SECONDARY))}


EVENTS = (
    *(_focus_raid(*row) for row in FOCUS_RAIDS),
    *(_routine_raid(*row) for row in ROUTINE_RAIDS),
    *(_attack(*row) for row in ATTACKS),
    *KEY_EVENTS,
)


def _person(number, handler, description, category, level, review, last_contact, notes, terms):
    """A human source; `review` is (status, reviewer, when, note) or None for pending."""
    status, reviewer, reviewed_at, note = review or (REVIEW.PENDING, None, None, "")
    return {"handler": handler, "description": description, "category": category,
            "protection_level": level, "real_name": f"Demo Person {number}",
            "contact": f"+964 770 000 {number:04d} (demo)",
            "identifying_notes": f"Fictional: {notes}", "attribution_terms": terms,
            "review_status": status, "reviewer": reviewer, "reviewed_at": reviewed_at,
            "review_note": note, "last_contact_at": last_contact}


def _cleared(day):
    return (REVIEW.CLEARED, "editor", _at(2020, 4, day, 9, 30), "Description is coarse enough.")


SOURCES = {
    "officer_a": _person(
        1, "reporter", "Iraqi officer, joint raid team, Kirkuk province", SRC.MILITARY,
        LEVEL.ANONYMOUS, _cleared(14), date(2020, 4, 2),
        "serves in a partner-force unit; introduced by a fixer.",
        "An Iraqi officer who took part in joint raids"),
    "officer_b": _person(
        2, "reporter2", "Iraqi officer, joint missions, Kirkuk province", SRC.MILITARY,
        LEVEL.ANONYMOUS, _cleared(14), date(2020, 3, 20),
        "former colleague of a demo fixer; speaks some English.",
        "A second Iraqi officer on joint missions"),
    "convoy_officer": _person(
        3, "reporter2", "Iraqi army officer, Kirkuk province", SRC.MILITARY,
        LEVEL.CONFIDENTIAL,
        (REVIEW.CHANGES_REQUESTED, "editor", _at(2020, 4, 16, 11, 0),
         "The interview notes and the convoy event together could point to him: keep the "
         "month of the incident out of anything attributed to him."),
        date(2019, 10, 8), "commanded the stopped convoy; lives in a demo neighbourhood.",
        "Not to be quoted; guides reporting only"),
    "intel_officer": _person(
        4, "reporter2", "intelligence officer, Hawija", SRC.INTELLIGENCE, LEVEL.ANONYMOUS,
        _cleared(15), date(2020, 4, 20), "works from a district office; two brothers in the army.",
        "A local intelligence officer"),
    "farmer_1": _person(
        5, "reporter", "farmer, Hawija district", SRC.CIVILIAN, LEVEL.ANONYMOUS, _cleared(15),
        date(2020, 3, 2), "grows wheat by the main canal; uncle of a demo tribal PMF member.",
        "A farmer in the district"),
    "farmer_2": _person(
        6, "reporter2", "farmer, Hawija district", SRC.CIVILIAN, LEVEL.CONFIDENTIAL, None,
        date(2019, 5, 20), "keeps sheep and a small orchard; only reachable through a neighbour.",
        "Not to be quoted"),
    "shopkeeper": _person(
        7, "reporter", "shopkeeper, Hawija district", SRC.CIVILIAN, LEVEL.ANONYMOUS, None,
        date(2019, 5, 21), "runs a demo grocery; his cousin was detained in a raid.",
        "A shopkeeper in the district"),
    "resident": _person(
        8, "reporter", "resident, Hawija district", SRC.CIVILIAN, LEVEL.CONFIDENTIAL, None,
        date(2020, 3, 25), "teaches at a demo school; uses a second phone for us.",
        "Not to be quoted"),
    "coalition_1": _person(
        9, "reporter", "coalition official, Baghdad", SRC.COALITION, LEVEL.BACKGROUND,
        _cleared(17), date(2020, 1, 20), "staff officer; met at a demo press event.",
        "A coalition official, speaking on background"),
    "coalition_2": _person(
        10, "reporter2", "US defense official", SRC.COALITION, LEVEL.BACKGROUND, None,
        date(2020, 4, 15), "works on Iraq policy; prefers calls after office hours.",
        "A US defense official, on background"),
}

INTERVIEWS = (
    {"key": "officer_a_1", "interviewer": "reporter", "sources": ("officer_a",),
     "at": _at(2019, 3, 14, 10, 30),
     "place": "kirkuk_city", "mode": MODE.IN_PERSON, "language": "Arabic",
     "events": ("focus_nov", "focus_dec", "raid_1812b"),
     "summary": "{officer_a} went out on night raids with US special forces and says the "
     "Americans were fighting beside his men, not watching from a base. He calls the joint "
     "team close comrades and describes how air cover was called in.",
     "field_notes": "Fixer interpreted. About an hour. Agreed to a second meeting.",
     "sensitive_notes": "Fictional: met in a relative's flat; he asked us not to call after dark."},
    {"key": "officer_b_1", "interviewer": "reporter2", "sources": ("officer_b",),
     "at": _at(2019, 4, 2, 18, 0), "place": "kirkuk_city", "mode": MODE.PHONE, "language": "Arabic",
     "events": ("focus_jan", "focus_feb", "raid_1903a"),
     "summary": "{officer_b} confirms the January and February raids and that US soldiers "
     "were on the ground for both. He says no journalists were ever allowed to come along.",
     "field_notes": "Call dropped twice; he called back from another number.",
     "sensitive_notes": "Fictional: the second number belongs to his brother."},
    {"key": "farmers", "interviewer": "reporter", "sources": ("farmer_1", "farmer_2"),
     "at": _at(2019, 5, 20, 9, 0), "place": "hawija", "mode": MODE.IN_PERSON,
     "language": "Arabic", "events": ("focus_nov", "focus_jan", "raid_1905"),
     "summary": "{farmer_1} and {farmer_2} say that by early 2019 people were back in their "
     "fields and men had stopped keeping watch at night. Both remember the helicopters in "
     "January.",
     "field_notes": "Talked in a field, away from the houses. Photographed crops only.",
     "sensitive_notes": "Fictional: the neighbour who arranged it should not learn what was said."},
    {"key": "shopkeeper", "interviewer": "reporter", "sources": ("shopkeeper",),
     "at": _at(2019, 5, 21, 11, 0), "place": "hawija", "mode": MODE.IN_PERSON, "language": "Arabic",
     "events": ("focus_dec", "att_1902"),
     "summary": "{shopkeeper} describes the December raid from the villagers' side: soldiers "
     "speaking English, a detainee taken away, and calm in the weeks after.",
     "field_notes": "Short; customers kept coming in.",
     "sensitive_notes": "Fictional: his relative's detention could identify him."},
    {"key": "convoy", "interviewer": "reporter2", "sources": ("convoy_officer",),
     "at": _at(2019, 10, 8, 20, 15),
     "place": "kirkuk_city", "mode": MODE.MESSAGING, "language": "Arabic",
     "events": ("blockade",),
     "summary": "{convoy_officer} says a Badr checkpoint stopped his joint convoy although the "
     "Joint Operations Command had cleared the mission, and that the mission never happened. "
     "He is unsure of the exact month.",
     "field_notes": "Voice notes over a messaging app, deleted from the phone after transcription.",
     "sensitive_notes": "Fictional: only three officers were in that convoy."},
    {"key": "coalition_1", "interviewer": "reporter", "sources": ("coalition_1",),
     "at": _at(2020, 1, 20, 15, 0), "place": "baghdad", "mode": MODE.PHONE, "language": "English",
     "events": ("focus_nov", "airport_strike"),
     "summary": "{coalition_1}, on background, explains why accompany missions in Iraq were "
     "kept quiet: the Iraqi government's sensitivities and force protection. After the airport "
     "strike, movement outside the bases was cut back.",
     "field_notes": "Press office was not on the call.",
     "sensitive_notes": "Fictional: called from a personal phone."},
    {"key": "intel_1", "interviewer": "reporter2", "sources": ("intel_officer",),
     "at": _at(2020, 2, 10, 19, 0), "place": "hawija", "mode": MODE.PHONE, "language": "Arabic",
     "events": ("raid_1907", "raid_1910", "att_1912a", "att_2001a", "att_2002a"),
     "summary": "{intel_officer} says joint raids became rare in the second half of 2019 and "
     "stopped by the end of the year, and that ISIS attacks in the district rose as they did. "
     "He links the two directly.",
     "field_notes": "He read figures from his own notes; asked for a follow-up call.",
     "sensitive_notes": "Fictional: only his office in the district keeps those figures."},
    {"key": "resident", "interviewer": "reporter", "sources": ("resident",),
     "at": _at(2020, 3, 25, 21, 0), "place": "hawija", "mode": MODE.MESSAGING, "language": "Arabic",
     "events": ("att_2003a", "att_2003b", "att_2003c"),
     "summary": "{resident} describes March 2020: attacks on checkpoints most weeks, and men "
     "keeping night watch again. Accounts of the market blast differ.",
     "field_notes": "Text messages only; answered over two evenings.",
     "sensitive_notes": "Fictional: uses a second phone we gave him."},
    {"key": "coalition_2", "interviewer": "reporter2", "sources": ("coalition_2",),
     "at": _at(2020, 4, 15, 16, 0), "place": "baghdad", "mode": MODE.PHONE, "language": "English",
     "events": ("taji", "handover_qayyarah", "handover_k1"),
     "summary": "{coalition_2}, on background, says leaving Qayyarah and K1 was planned before "
     "the Taji attack and that the fight against ISIS is not much affected.",
     "field_notes": "Twenty minutes; would not discuss numbers of personnel.",
     "sensitive_notes": "Fictional: asked that we not mention the office he works in."},
    {"key": "intel_2", "interviewer": "reporter2", "sources": ("intel_officer",),
     "at": _at(2020, 4, 20, 20, 0), "place": "hawija", "mode": MODE.MESSAGING, "language": "Arabic",
     "events": ("handover_k1", "att_2004a", "att_2004b"),
     "summary": "{intel_officer} says the April attacks came after the coalition left K1 and "
     "that the partner forces now get less help with surveillance.",
     "field_notes": "Brief exchange; promised more figures next month.",
     "sensitive_notes": "Fictional: his phone may be checked by colleagues."},
    {"key": "officer_a_2", "interviewer": "reporter", "sources": ("officer_a",),
     "at": _at(2020, 4, 2, 12, 0), "place": "kirkuk_city", "mode": MODE.PHONE, "language": "Arabic",
     "events": ("focus_feb", "handover_k1"),
     "summary": "{officer_a} says the joint team was broken up over the winter and that his "
     "unit now works without US help on the ground.",
     "field_notes": "He sounded worried about the withdrawal.",
     "sensitive_notes": "Fictional: he is thinking of leaving the army."},
)

# Published sources, cited by name (not protected sources). Paraphrased or fictional.
# key, kind, issuer, title, date, precision, link, excerpt
DOCUMENTS = (
    ("oir_advise", DOC.STATEMENT, "coalition",
     "CJTF-OIR: coalition forces advise, assist and enable Iraqi partners",
     date(2019, 3, 1), MONTH, "https://example.org/demo/cjtf-oir-advise-assist",
     "Paraphrased: coalition troops support Iraqi forces in an advise-and-assist role and do "
     "not take part in ground operations in Iraq."),
    ("coalition_quote", DOC.MEDIA, "coalition",
     "Coalition official on limiting movement outside bases (media report)",
     date(2020, 1, 10), DAY, "https://example.org/demo/coalition-movement",
     "Paraphrased: after the airport strike the coalition paused most operations and kept "
     "personnel inside the bases for their protection."),
    ("ig_report", DOC.REPORT, "oig",
     "Lead Inspector General quarterly report to Congress on OIR, January–March 2020",
     date(2020, 5, 1), MONTH, "https://example.org/demo/lig-oir-q1-2020",
     "Paraphrased (fictional page): the impact of the withdrawals on the fight against ISIS is "
     "hard to establish, because the coalition relies almost entirely on Iraqi partners for "
     "information, and their reporting has declined."),
    ("acled_extract", DOC.DATA_SET, None,
     "ACLED events in Kirkuk province, 2018–2020 (extract, demo)",
     date(2020, 5, 1), MONTH, "https://example.org/demo/acled-kirkuk",
     "Monthly counts of attacks attributed to ISIS in Hawija district."),
)

# Sources who likely share one account: a claim counts them once.
SHARED_ACCOUNTS = {"farmers": ("Farmers, group 1", ("farmer_1", "farmer_2"))}

# Claims as the story would put them (paraphrased), with their evidence:
# (stance, interview or event or document key, source key or None, how they know, quote)
CLAIMS = (
    {"key": "accompany", "status": "cleared", "by": "reporter",
     "text": "US special forces went out on the ground with Iraqi partner forces on raids in "
     "Kirkuk province in late 2018 and early 2019, rather than only advising from their bases.",
     "events": ("focus_nov", "focus_dec", "focus_jan", "focus_feb"),
     "note": "The central claim. Both officers and a farmer, independently.",
     "evidence": (
         ("supports", "i:officer_a_1", "officer_a", KNOW.TOOK_PART,
          "We went out together at night; they were with us, not at the base."),
         ("supports", "i:officer_b_1", "officer_b", KNOW.TOOK_PART,
          "US soldiers were on the ground for both raids."),
         ("supports", "i:farmers", "farmer_1", KNOW.SAW,
          "We saw the foreign soldiers with the army in January."),
         ("contradicts", "d:oir_advise", None, KNOW.UNKNOWN,
          "Coalition forces advise and assist; they do not take part in ground operations."),
     )},
    {"key": "combat", "status": "contested", "by": "reporter",
     "text": "American troops fought beside Iraqi partners in some of these raids.",
     "events": ("focus_nov", "focus_feb"),
     "note": "Officers call the joint team brothers in arms; the coalition's line denies it.",
     "evidence": (
         ("supports", "i:officer_a_1", "officer_a", KNOW.TOOK_PART,
          "They fought beside my men; we were brothers in arms."),
         ("supports", "i:officer_b_1", "officer_b", KNOW.TOOK_PART,
          "In February they cleared the sheds with us."),
         ("contradicts", "d:oir_advise", None, KNOW.UNKNOWN,
          "Coalition forces do not take part in ground operations in Iraq."),
     )},
    {"key": "convoy", "status": "supported", "by": "reporter2",
     "text": "The Badr Organization blocked a joint convoy on its way to a mission the Joint "
     "Operations Command had already cleared.",
     "events": ("blockade",),
     "note": "One first-hand source so far: waiting for a second officer (see the follow-up).",
     "evidence": (
         ("supports", "i:convoy", "convoy_officer", KNOW.TOOK_PART,
          "Their checkpoint turned us back although the JOC had cleared the mission."),
         ("context", "e:blockade", None, KNOW.UNKNOWN, ""),
     )},
    {"key": "raids_fell", "status": "supported", "by": "reporter2",
     "text": "As US–Iran tension rose in 2019, joint raids in Hawija district fell and ISIS "
     "attacks rose.",
     "events": ("raid_1907", "raid_1910", "att_1912a", "att_2001a"),
     "note": "The monthly counts show it; one first-hand source links the two.",
     "evidence": (
         ("supports", "i:intel_1", "intel_officer", KNOW.SAW,
          "The raids stopped at the end of the year and the attacks came back."),
         ("supports", "d:acled_extract", None, KNOW.UNKNOWN,
          "Attacks rise from late 2019 as the raids stop."),
         ("context", "d:ig_report", None, KNOW.UNKNOWN,
          "The impact is hard to establish: partners' reporting has declined."),
     )},
    {"key": "out_of_sight", "status": "supported", "by": "reporter",
     "text": "The coalition chose to keep US troops on these missions out of public view.",
     "events": ("focus_nov",),
     "note": "",
     "evidence": (
         ("supports", "i:coalition_1", "coalition_1", KNOW.TOOK_PART,
          "Accompany missions in Iraq were kept quiet, for the Iraqi government's sake."),
         ("context", "d:coalition_quote", None, KNOW.UNKNOWN,
          "Personnel were kept inside the bases after the airport strike."),
     )},
    {"key": "withdrawal", "status": "open", "by": "reporter2",
     "text": "Leaving Qayyarah and K1 barely affected the fight against ISIS, coalition "
     "officials said; the DoD Inspector General said the impact could not be established.",
     "events": ("handover_qayyarah", "handover_k1"),
     "note": "Attribute both sides; the defense official is not cleared yet.",
     "evidence": (
         ("supports", "i:coalition_2", "coalition_2", KNOW.HEARD,
          "The fight against ISIS is not much affected."),
         ("context", "d:ig_report", None, KNOW.UNKNOWN,
          "The impact is hard to establish."),
     )},
)

# Titles are emailed in reminders: codenames and kinds only, never names or places.
FOLLOW_UPS = (
    {"title": "Verify the convoy-block date with {officer_b}", "assignee": "reporter2",
     "due": timedelta(days=-2), "priority": PRIORITY.HIGH, "event": "blockade",
     "source": "officer_b", "interview": "convoy",
     "notes": "The first account gives no month; a second officer may remember it."},
    {"title": "Re-contact {intel_officer} about raid frequency", "assignee": "reporter2",
     "due": timedelta(days=-1), "priority": PRIORITY.HIGH, "event": "raid_1910",
     "source": "intel_officer", "interview": "intel_1",
     "notes": "Ask for month-by-month counts of joint raids in 2019."},
    {"title": "Check the IG quarterly report on partner reporting", "assignee": "editor",
     "due": timedelta(hours=4), "priority": PRIORITY.NORMAL, "event": "handover_k1",
     "notes": "Find where it says the coalition relies on Iraqi partners for information."},
    {"title": "Ask the OIR press office about accompany missions", "assignee": "reporter",
     "due": timedelta(days=2), "priority": PRIORITY.NORMAL, "event": "focus_nov",
     "notes": "Why were they acknowledged in Syria but kept low-profile in Iraq?"},
    {"title": "Welfare check on {farmer_1} and {resident} after the withdrawal",
     "assignee": "reporter", "due": timedelta(days=1), "priority": PRIORITY.URGENT,
     "event": "handover_k1", "source": "farmer_1", "interview": "resident"},
    {"title": "Welfare check on {officer_b} and {farmer_2} after the withdrawal",
     "assignee": "reporter2", "due": timedelta(days=3), "priority": PRIORITY.URGENT,
     "event": "handover_k1", "source": "farmer_2", "interview": "officer_b_1"},
    {"title": "Request coalition comment before publication", "assignee": "admin",
     "due": timedelta(days=14), "priority": PRIORITY.NORMAL, "event": "focus_feb",
     "source": "coalition_1", "by": "editor",
     "notes": "Send the four focus raids and the withdrawal findings; allow a week."},
    {"title": "Transcribe the second interview with {officer_a}", "assignee": "reporter",
     "due": timedelta(days=-10), "priority": PRIORITY.LOW, "source": "officer_a",
     "interview": "officer_a_2", "status": FollowUp.Status.DONE},
)

KIRKUK = {
    "slug": MAIN_SLUG,
    "title": "US special forces in anti-ISIS raids, Kirkuk 2018–2020",
    "summary": "Did US special forces only advise Iraqi troops, or fight alongside them? From "
    "late 2018 they joined partner forces on night raids in Kirkuk province, out of public "
    "view. We follow four focus raids, the friction as US–Iran tension grew, and whether ISIS "
    "came back once the raids stopped. Demo data: the public events follow published "
    "reporting; routine raids, attacks and all people are illustrative.",
    "owner": "admin",
    "members": (("reporter", Role.REPORTER), ("reporter2", Role.REPORTER),
                ("editor", Role.EDITOR), ("admin", Role.ADMIN)),
    "places": PLACES, "actors": ACTORS, "events": EVENTS, "sources": SOURCES,
    "interviews": INTERVIEWS, "follow_ups": FOLLOW_UPS, "documents": DOCUMENTS,
    "shared_accounts": SHARED_ACCOUNTS, "claims": CLAIMS,
}

# The other desk: a second compartment --------------------------------------------------------

OTHER_DESK = {
    "slug": OTHER_SLUG,
    "title": "Port smuggling (another desk)",
    "summary": "Demo: a second investigation with its own team, to show compartments. "
    "The people of the Kirkuk raids see nothing of it, and its outsider nothing of theirs.",
    "owner": "outsider",
    "members": (("outsider", Role.REPORTER),),
    "places": (
        ("port", "Container port (demo)", "Basra", "Az Zubayr", 30.030, 47.940, 2, ""),
        ("basra", "Basra city", "Basra", "Basra", 30.508, 47.783, 1, "Basrah\nالبصرة"),
    ),
    "actors": (("customs", "Port customs officials", K.GOVERNMENT, "", "الجمارك"),
               ("network", "Smuggling network", K.OTHER, "", "")),
    "events": (
        {"key": "seizure", "kind": E.OTHER, "date": date(2020, 2, 1), "date_precision": MONTH,
         "place": "port", "title": "Customs seize an undeclared container", "status": S.REPORTED,
         "by": "outsider", "actors": (("customs", PRIMARY), ("network", SECONDARY))},
        {"key": "waved", "kind": E.OTHER, "date": date(2020, 4, 1), "date_precision": MONTH,
         "place": "port", "title": "Shipment waved through without inspection",
         "status": S.REPORTED, "by": "outsider",
         "actors": (("network", PRIMARY), ("customs", ASSOCIATED))},
    ),
    "sources": {
        "clerk": _person(21, "outsider", "clerk, port administration", SRC.OFFICIAL,
                         LEVEL.CONFIDENTIAL, None, date(2020, 4, 3),
                         "works the night shift at the demo port.", "Not to be quoted"),
        "driver": _person(22, "outsider", "truck driver, Basra", SRC.CIVILIAN, LEVEL.ANONYMOUS,
                          None, date(2020, 4, 5), "drives for a demo haulage firm.",
                          "A truck driver"),
    },
    "interviews": (
        {"key": "port_calls", "interviewer": "outsider", "sources": ("clerk", "driver"),
         "at": _at(2020, 4, 5, 19), "place": "basra", "mode": MODE.PHONE, "language": "Arabic",
         "events": ("seizure", "waved"),
         "summary": "{clerk} and {driver} describe containers leaving without inspection.",
         "field_notes": "Separate calls, same evening."},
    ),
    "follow_ups": (
        {"title": "Ask {clerk} for the manifest dates", "assignee": "outsider",
         "due": timedelta(days=1), "priority": PRIORITY.NORMAL, "source": "clerk",
         "interview": "port_calls"},
    ),
}

DESKS = (KIRKUK, OTHER_DESK)
# fmt: on


# Loading ---------------------------------------------------------------------------------------

LOCATION_FIELDS = tuple("name admin1 admin2 latitude longitude geo_precision aliases".split())
ACTOR_FIELDS = ("name", "kind", "description", "aliases")
LINK_KEYS = ("key", "place", "actors", "by", "handler", "reviewer")


def demo_is_loaded():
    slugs = [desk["slug"] for desk in DESKS]
    return Investigation.objects.filter(slug__in=slugs).count() == len(slugs)


def demo_password(*, var_dir, create):
    """DEMO_PASSWORD, else the password stored at the first run, else (when `create`) a new one,
    stored in var_dir (mode 600) for the next runs. None when there is none and none is wanted."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    path = Path(var_dir) / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    if not create:
        return None
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)  # whatever the umask
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    return password


def demo_seed(*, password, now):
    """Create the demo desks that do not exist yet, all or nothing; existing rows are never
    changed. Returns the desks created."""
    with transaction.atomic():
        missing = [d for d in DESKS if not Investigation.objects.filter(slug=d["slug"]).exists()]
        if missing:
            users = {row[0]: _user(*row, password=password) for row in USERS}
            for desk in missing:
                _desk_build(desk, users, now)
    for desk in missing:  # everything it made, found by /search/ at once
        search.index_rebuild(investigation=Investigation.objects.get(slug=desk["slug"]))
    return missing


def demo_logins():
    """(username, role, slug) for every demo membership."""
    return [(name, role, desk["slug"]) for desk in DESKS for name, role in desk["members"]]


def _user(username, first_name, last_name, *, password):
    """A user that already exists is reused untouched, its password too."""
    User = get_user_model()
    if existing := User.objects.filter(username=username).first():
        return existing
    return User.objects.create_user(
        username,
        f"{username}@fieldbook.example",
        password,
        first_name=first_name,
        last_name=last_name,
        is_staff=True,
    )


def _create(model, by, **fields):
    """A validated row, created by `by` (in its history too)."""
    row = model(created_by=by, **fields)
    row.full_clean()
    row._history_user = by
    row.save()
    return row


def _desk_build(desk, users, now):
    owner = users[desk["owner"]]
    investigation = _create(
        Investigation, owner, slug=desk["slug"], title=desk["title"], summary=desk["summary"]
    )
    for username, role in desk["members"]:
        Membership.objects.create(investigation=investigation, user=users[username], role=role)
    # Places and actors are logged by the desk's first reporter.
    made = {"users": users, "investigation": investigation, "author": users[desk["members"][0][0]]}
    made["places"] = {row[0]: _row(made, Location, LOCATION_FIELDS, row) for row in desk["places"]}
    made["actors"] = {row[0]: _row(made, Actor, ACTOR_FIELDS, row) for row in desk["actors"]}
    made["events"] = {row["key"]: _event(made, row) for row in desk["events"]}
    made["sources"] = {key: _source(made, row) for key, row in desk["sources"].items()}
    made["codenames"] = {key: source.codename for key, source in made["sources"].items()}
    made["interviews"] = {row["key"]: _interview(made, row) for row in desk["interviews"]}
    for row in desk["follow_ups"]:
        _follow_up(made, row, now)
    for label, keys in desk.get("shared_accounts", {}).values():
        _shared_account(made, label, keys)
    made["documents"] = {row[0]: _document(made, row) for row in desk.get("documents", ())}
    for row in desk.get("claims", ()):
        _claim(made, row)


def _row(made, model, field_names, row):
    """A place or an actor from a table row: (key, *fields)."""
    fields = dict(zip(field_names, row[1:], strict=True))
    return _create(model, made["author"], investigation=made["investigation"], **fields)


def _event(made, row):
    fields = {name: value for name, value in row.items() if name not in LINK_KEYS}
    event = _create(
        Event,
        made["users"][row["by"]],
        investigation=made["investigation"],
        location=made["places"][row["place"]],
        **fields,
    )
    for actor_key, role in row["actors"]:
        EventActor.objects.create(event=event, actor=made["actors"][actor_key], role=role)
    return event


def _source(made, row):
    fields = {name: value for name, value in row.items() if name not in LINK_KEYS}
    handler = made["users"][row["handler"]]
    return _create(
        Source,
        handler,
        investigation=made["investigation"],
        handler=handler,
        reviewed_by=made["users"].get(row.get("reviewer")),
        **fields,
    )


def _interview(made, row):
    interviewer = made["users"][row["interviewer"]]
    interview = _create(
        Interview,
        interviewer,
        investigation=made["investigation"],
        interviewer=interviewer,
        conducted_at=row["at"],
        location=made["places"][row["place"]],
        mode=row["mode"],
        language=row["language"],
        summary=row["summary"].format(**made["codenames"]),
        field_notes=row["field_notes"],
        sensitive_notes=row.get("sensitive_notes", ""),
    )
    for key in row["sources"]:
        InterviewSource.objects.create(interview=interview, source=made["sources"][key])
    for key in row["events"]:
        InterviewEvent.objects.create(interview=interview, event=made["events"][key])
    return interview


def _follow_up(made, row, now):
    users = made["users"]
    return _create(
        FollowUp,
        users[row.get("by", row["assignee"])],
        investigation=made["investigation"],
        title=row["title"].format(**made["codenames"]),
        notes=row.get("notes", ""),
        due_at=now + row["due"],
        assignee=users[row["assignee"]],
        priority=row["priority"],
        status=row.get("status", FollowUp.Status.OPEN),
        event=made["events"].get(row.get("event")),
        source=made["sources"].get(row.get("source")),
        interview=made["interviews"].get(row.get("interview")),
    )


def _shared_account(made, label, keys):
    account = SharedAccount.objects.create(investigation=made["investigation"], label=label)
    Source.objects.filter(pk__in=[made["sources"][key].pk for key in keys]).update(
        shared_account=account
    )


def _document(made, row):
    key, kind, issuer, title, day, precision, link, excerpt = row
    return _create(
        Document,
        made["users"]["reporter"],
        investigation=made["investigation"],
        kind=kind,
        issuer=made["actors"].get(issuer),
        title=title,
        date=day,
        date_precision=precision,
        link=link,
        excerpt=excerpt,
    )


def _claim(made, row):
    """A claim with its evidence; a cleared one is cleared by the editor, through the rule."""
    status = row["status"]
    claim = _create(
        Claim,
        made["users"][row["by"]],
        investigation=made["investigation"],
        text=row["text"],
        note=row["note"],
        status=Claim.Status.SUPPORTED if status == "cleared" else status,
    )
    claim.events.set([made["events"][key] for key in row["events"]])
    for stance, cited, source, knowledge, quote in row["evidence"]:
        kind, key = cited.split(":")
        target = {"i": ("interview", "interviews"), "e": ("event", "events"),
                  "d": ("document", "documents")}[kind]  # fmt: skip
        evidence = Evidence(
            claim=claim,
            stance=stance,
            knowledge=knowledge,
            quote=quote,
            source=made["sources"].get(source),
            created_by=made["users"][row["by"]],
            **{target[0]: made[target[1]][key]},
        )
        evidence.full_clean()
        evidence.save()
    if status == "cleared":
        claim_clear(claim=claim, user=made["users"]["editor"])
    return claim
