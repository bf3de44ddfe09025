"""Letters after a name ("Fiona Campbell MBA", "Helen Ward KC", "Dr Amir Shah BDS MFDS"):
degrees, honours, fellowships, memberships and licences, none of them part of the name a
contact is saved, searched and de-duplicated by.

Recognised two ways, so that a family of letters is known without naming every member:

* a maintained list, by family (below): degrees, honours and the bar, fellowships of the
  academies and learned societies, the royal colleges (medicine, surgery, dentistry,
  nursing, veterinary), the engineering and built-environment institutions, accountancy,
  finance, insurance and planning, property and letting;
* shapes no name word has: three capitals or more mixed with small letters ("MIStructE",
  "FRCPath"), and capitals with no vowel at all ("BDS", "MRCP", "FRCS", "KC"), which no
  surname has either except the ones ending in "ng" (Ng, Hng, Png, Sng), left alone.

A bracket after the letters ("FRCS (Ed)", "MBBS (S'pore)"), even cut short by OCR ("MA
(Ed"), belongs to them. Every pattern here is matched only at the end of a name line,
after two name words or more (:mod:`.names` checks that).

The pattern is compiled at its first use, not on import: it takes about 50 ms, and the
chat imports this module (through the card review) long before, if ever, it reads a card.
A worker compiles it as it starts (:func:`compile_now`, from the OCR's preload)."""

from __future__ import annotations

import re
import sys

from bot.nlu.lazy import compile_all, lazy_pattern

#: Degrees, bachelor's to doctor's, as printed after a name.
DEGREES = (
    "BA BSc BEng BArch BFA BEd BCom BBA BMus BPharm BDS BChD BCL LLB LLM JD MA MSc MEng MArch "
    "MFA MEd MBA MPA MPP MPH MPhil MRes MDS MMed MPharm PhD Ph.D. DPhil DBA EdD DSc DLitt "
    "DMus DEng DrPH Hons"
)
#: Honours and orders (UK, Hong Kong, Singapore), and the bar's ranks.
HONOURS_AND_BAR = (
    "KC QC SC KBE DBE CBE OBE MBE GBE BEM KCMG DCMG CMG KCVO DCVO CVO LVO MVO KG KT PC DL JP "
    "GBM GBS SBS BBS MH PBM PBS BBM Esq Esq. TEP CTA ATT"
)
#: Fellowships of the academies and learned societies, and of teaching.
FELLOWSHIPS = (
    "FRS FRSE FREng FBA FMedSci FRSA FRSC FRSB FInstP FRAeS FHEA SFHEA PFHEA FRGS FSA FLS "
    "FRHistS FRSL FAcSS FRSS FRMetS FGS FIMA FBCS MBCS FRSPH FRSM"
)
#: The royal and professional colleges of medicine, surgery, dentistry, nursing, pharmacy
#: and veterinary medicine, with the clinical degrees and licences beside them.
CLINICAL = (
    "MBBS MBChB MB BCh BMBS MD DO DDS DMD DVM BVSc BVetMed MRCVS FRCVS MRCP FRCP FRCPE "
    "FRCPI FRCPath MRCPath FRCR MRCS FRCS FRCSEd FRCOG MRCOG FRCPsych MRCPsych FRCA FRCGP "
    "MRCGP FRCPCH MRCPCH FRCOphth MRCOphth FDS FDSRCS MFDS MJDF MOrth MFGDP FFGDP DCH DRCOG "
    "DFSRH FRACP FRACS FRCPC FACP FACS FACC FAAP FAMS FHKAM FHKCP FHKCS FHKCFP MCFP RCPS RCS "
    "PharmD RPh MRPharmS FRPharmS RN RGN RMN RSCN BSN MSN DNP NP FNP CRNA PA-C DPT OD DC "
    "FRCN MCSP HCPC GMC GDC"
)
#: Engineering, science and the built environment: chartered letters and memberships.
ENGINEERING = (
    "CEng IEng EngTech CEnv CSci CPhys CChem CMath CITP PE PEng CPEng IntPE SE "
    "MICE FICE MIMechE FIMechE MIET FIET MIStructE FIStructE MCIBSE FCIBSE MRAeS "
    "MIChemE FIChemE MInstP MIEEE SMIEEE RIBA ARB MRICS FRICS AssocRICS MRTPI FRTPI MCIHT "
    "MCIOB FCIOB MCIAT PMP MHKIE FHKIE MHKIS FHKIS MHKIA FHKIA RPE"
)
#: Property, letting and housing: estate agents', letting agents' and valuers' bodies.
PROPERTY = "MNAEA FNAEA ANAEA MARLA FARLA MNAVA FNAVA MCIH CIH MIRPM AIRPM MCIEA FCIEA"
#: Accountancy, finance, insurance, planning and management.
BUSINESS = (
    "CPA CA ACA FCA ACCA FCCA CIMA ACMA FCMA CGMA CFA CFP CAIA FRM ChFC CLU CMA CIA CISA "
    "CISSP CIPFA ACII FCII APFS FPFS CeMAP CeRER CeFA CertPFS DipPFS DipFA AIIS FIIS GDFM "
    "MCIPD FCIPD CIPD FCIPS MCIPS CMgr FCMI MCMI MCIM FCIM MCIArb FCIArb"
)


def _alternation(*families: str) -> str:
    """The families' letters as one alternation, longest first (so "FRCS" is tried
    before "FRC…" could stop short), each escaped."""
    words = {word for family in families for word in family.split()}
    return "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))


#: An insurance or financial planning qualification in two words or three ("Cert CII",
#: "Dip PFS", "Adv Dip CII").
_TWO_WORDS = r"(?:Adv\.?\s)?(?:Cert|Dip|Cert\.|Dip\.)\s?(?:CII|PFS|FS|MP|ER)"

#: Three capitals or more mixed with small letters ("MIStructE", "MRPharmS"): no name
#: word is spelt so (McDonald, MacLeod have two).
_MIXED_SHAPE = r"[A-Z](?=(?:[a-z]*[A-Z]){2})[A-Za-z]{3,10}(?<=[a-z][A-Z]|[A-Z][a-z]|[a-z][a-z])"

#: Two to six capitals without a vowel (Y and W count as vowels: "LLWYD" is a name), not
#: ending in "NG" (Ng, Hng, Png, Sng are surnames) nor a generation in capitals ("JR").
_NO_VOWEL_SHAPE = r"(?![B-DF-HJ-NP-TVXZ]*NG\b|(?:JR|SR|JNR|SNR)\b)[B-DF-HJ-NP-TVXZ]{2,6}"

#: One post-nominal, with a bracket after it if printed ("FRCS (Ed)", "MA (Ed" cut short).
POST_NOMINAL = (
    rf"(?:{_TWO_WORDS}|(?:{_alternation(DEGREES, HONOURS_AND_BAR, FELLOWSHIPS, CLINICAL)}"
    rf"|{_alternation(ENGINEERING, BUSINESS, PROPERTY)}|{_MIXED_SHAPE}|{_NO_VOWEL_SHAPE})"
    r"(?![A-Za-z.]))(?:\s?\([A-Za-z'’. ]{2,12}\)?)?"
)

#: A run of post-nominals at the end of a line, with or without commas between them.
POST_NOMINALS_RE = lazy_pattern(rf"(?:,?\s+{POST_NOMINAL}(?![A-Za-z]))+$")


def compile_now() -> None:
    """Compile the pattern now, so that no card waits for it."""
    compile_all(sys.modules[__name__])
