"""Fixed vocabularies of the domain, with Chinese labels and accepted aliases.

Stored values are short English slugs (``Category.LIXIU.value == "lixiu"``); the
interface shows the Chinese label, and imports accept the Chinese label, the slug
or an English alias. :func:`parse` turns any accepted spelling into the member and
raises :class:`VocabError` listing what is accepted otherwise.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

__all__ = [
    "ActivityKind",
    "AmendAction",
    "Category",
    "Confirmation",
    "ConsultTopic",
    "EventKind",
    "Role",
    "SiteKind",
    "Status",
    "Tier",
    "VisitReason",
    "VocabError",
    "accepted",
    "label",
    "parse",
    "parse_bool",
]


class Category(StrEnum):
    """Who a person is to the bureau (类别)."""

    LIXIU = "lixiu"
    RETIRED = "retired"
    WIDOW = "widow"
    RESIDENT = "resident"


class Tier(StrEnum):
    """Care tier of a person's care plan (关注等级); it sets the visit interval."""

    KEY = "key"
    PERIODIC = "periodic"
    ROUTINE = "routine"


class Status(StrEnum):
    """Where a person stands now."""

    ACTIVE = "active"
    HOSPITALISED = "hospitalised"
    MOVED = "moved"
    DECEASED = "deceased"


class Sex(StrEnum):
    """Sex as recorded on the file."""

    MALE = "male"
    FEMALE = "female"


class SiteKind(StrEnum):
    """What kind of place a site is."""

    RELOCATION = "relocation"
    COMMUNITY = "community"
    VILLAGE = "village"


class VisitReason(StrEnum):
    """Why a visit happened (走访类型): the must-visit list and the others."""

    FESTIVAL = "festival"
    HOSPITAL = "hospital"
    BIRTHDAY = "birthday"
    MISFORTUNE = "misfortune"
    CONDOLENCE = "condolence"
    ROUTINE = "routine"
    NEEDS = "needs"
    AID = "aid"


class Confirmation(StrEnum):
    """How a visit was confirmed on the spot."""

    QR = "qr"
    CODE = "code"
    NONE = "none"


class ConsultTopic(StrEnum):
    """Topic of a consultation (咨询)."""

    LEGAL = "legal"
    AGRICULTURE = "agriculture"
    HEALTH = "health"
    ANTI_FRAUD = "anti_fraud"
    POLICY = "policy"
    OTHER = "other"


class ActivityKind(StrEnum):
    """Kind of a volunteer service activity."""

    TALK = "talk"
    FORUM = "forum"
    DOOR_TO_DOOR = "door_to_door"
    PATROL = "patrol"
    TRAINING = "training"
    MEDIATION = "mediation"


class EventKind(StrEnum):
    """A dated change in a person's situation, recorded rather than overwritten."""

    HOSPITALISED = "hospitalised"
    DISCHARGED = "discharged"
    MOVED = "moved"
    PHONE_CHANGED = "phone_changed"
    DECEASED = "deceased"
    MISFORTUNE = "misfortune"


class AmendAction(StrEnum):
    """What an amendment did to a saved record: corrected fields, or voided it."""

    CORRECT = "correct"
    VOID = "void"


class Role(StrEnum):
    """A user's role at headquarters; it decides what a device may see."""

    ADMIN = "admin"
    STAFF = "staff"
    VOLUNTEER = "volunteer"


_LABEL_LIST: tuple[tuple[StrEnum, str, tuple[str, ...]], ...] = (
    # member: (Chinese label, English aliases besides the slug)
    (Category.LIXIU, "离休", ("lixiu", "離休", "离休干部")),
    (Category.RETIRED, "退休", ("retired", "退休干部")),
    (Category.WIDOW, "遗孀", ("widow",)),
    (Category.RESIDENT, "居民", ("resident",)),
    (Tier.KEY, "重点关注", ("key",)),
    (Tier.PERIODIC, "定期关注", ("periodic",)),
    (Tier.ROUTINE, "日常跟踪", ("routine",)),
    (Status.ACTIVE, "在册", ("active", "正常")),
    (Status.HOSPITALISED, "住院", ("hospitalised", "hospitalized")),
    (Status.MOVED, "迁出", ("moved",)),
    (Status.DECEASED, "去世", ("deceased", "已故")),
    (Sex.MALE, "男", ("male", "m")),
    (Sex.FEMALE, "女", ("female", "f")),
    (SiteKind.RELOCATION, "安置点", ("relocation", "易地搬迁安置点")),
    (SiteKind.COMMUNITY, "社区", ("community",)),
    (SiteKind.VILLAGE, "村", ("village",)),
    (VisitReason.FESTIVAL, "节日走访", ("festival",)),
    (VisitReason.HOSPITAL, "住院探望", ("hospital",)),
    (VisitReason.BIRTHDAY, "生日走访", ("birthday",)),
    (VisitReason.MISFORTUNE, "变故走访", ("misfortune",)),
    (VisitReason.CONDOLENCE, "去世慰问", ("condolence",)),
    (VisitReason.ROUTINE, "日常走访", ("routine",)),
    (VisitReason.NEEDS, "问需走访", ("needs",)),
    (VisitReason.AID, "帮扶走访", ("aid",)),
    (Confirmation.QR, "扫码", ("qr",)),
    (Confirmation.CODE, "输入编号", ("code",)),
    (Confirmation.NONE, "未确认", ("none",)),
    (ConsultTopic.LEGAL, "法律", ("legal",)),
    (ConsultTopic.AGRICULTURE, "农技", ("agriculture",)),
    (ConsultTopic.HEALTH, "健康", ("health",)),
    (ConsultTopic.ANTI_FRAUD, "反诈", ("anti_fraud", "anti-fraud")),
    (ConsultTopic.POLICY, "政策", ("policy",)),
    (ConsultTopic.OTHER, "其他", ("other",)),
    (ActivityKind.TALK, "宣讲", ("talk",)),
    (ActivityKind.FORUM, "座谈会", ("forum",)),
    (ActivityKind.DOOR_TO_DOOR, "入户宣传", ("door_to_door", "door-to-door")),
    (ActivityKind.PATROL, "巡逻", ("patrol",)),
    (ActivityKind.TRAINING, "技术培训", ("training",)),
    (ActivityKind.MEDIATION, "矛盾调解", ("mediation",)),
    (EventKind.HOSPITALISED, "住院", ("hospitalised",)),
    (EventKind.DISCHARGED, "出院", ("discharged",)),
    (EventKind.MOVED, "迁居", ("moved",)),
    (EventKind.PHONE_CHANGED, "换号", ("phone_changed",)),
    (EventKind.DECEASED, "去世", ("deceased",)),
    (EventKind.MISFORTUNE, "家庭变故", ("misfortune",)),
    (AmendAction.CORRECT, "更正", ("correct",)),
    (AmendAction.VOID, "作废", ("void",)),
    (Role.ADMIN, "管理员", ("admin",)),
    (Role.STAFF, "工作人员", ("staff",)),
    (Role.VOLUNTEER, "志愿者", ("volunteer",)),
)

# Keyed by (enum class, slug): members of different vocabularies share slugs
# ("routine" is a tier and a visit reason) and StrEnum members hash as their text.
_LABELS: dict[tuple[type[StrEnum], str], tuple[str, tuple[str, ...]]] = {
    (type(member), member.value): (zh, aliases) for member, zh, aliases in _LABEL_LIST
}

E = TypeVar("E", bound=StrEnum)


class VocabError(ValueError):
    """A value that is not in a fixed vocabulary; the message lists the accepted ones."""


def label(member: StrEnum, lang: str = "zh") -> str:
    """The display label of a vocabulary member: Chinese by default, the slug for ``en``."""
    if lang == "zh":
        return _LABELS[type(member), member.value][0]
    return member.value.replace("_", " ")


def accepted(enum: type[StrEnum]) -> str:
    """The accepted spellings of a vocabulary, for error messages: ``离休 (lixiu), ...``."""
    return ", ".join(f"{_LABELS[enum, m.value][0]} ({m.value})" for m in enum)


def parse(enum: type[E], raw: str) -> E:
    """Turn a Chinese label, slug or alias (any case, surrounding space ignored) into a member."""
    text = raw.strip()
    folded = text.lower()
    for member in enum:
        zh, aliases = _LABELS[enum, member.value]
        if text == zh or folded == member.value or folded in aliases:
            return member
    raise VocabError(f"'{raw}' is not one of: {accepted(enum)}")


_TRUE = {"是", "yes", "y", "1", "true", "有"}
_FALSE = {"否", "no", "n", "0", "false", "无", ""}


def parse_bool(raw: str) -> bool:
    """Parse a yes/no cell: 是/否, yes/no, 1/0 (an empty cell is no)."""
    folded = raw.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise VocabError(f"'{raw}' is not one of: 是 (yes, 1), 否 (no, 0)")
