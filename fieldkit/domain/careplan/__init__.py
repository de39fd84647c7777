"""Care plans (一人一策) and the must-visit engine (五必访): policy, festivals, rules.

Pure: the engine takes facts about persons and a day and returns the tasks owed,
each with its window, due date, state and a plain-words reason. The store's
``fieldkit.store.due_list`` gathers the facts from SQLite.
"""

from fieldkit.domain.careplan.due import compute_due_list, no_gc
from fieldkit.domain.careplan.duelist import (
    DueList,
    DueTasks,
    LazyPersons,
    PersonRow,
    SiteGroup,
    TaskRun,
    build_due_list,
    count_due_tasks,
    first_due_tasks,
)
from fieldkit.domain.careplan.festivals import Festival, festival_date, festival_label
from fieldkit.domain.careplan.policy import (
    Policy,
    PolicyError,
    default_policy,
    load_policy,
    parse_policy,
)
from fieldkit.domain.careplan.rules import (
    DayRules,
    FestivalVisit,
    all_tasks,
    birthday_in,
    festival_occurrences,
    person_tasks,
    state_on,
)
from fieldkit.domain.careplan.tasks import (
    FollowUp,
    PersonFacts,
    Task,
    TaskKind,
    TaskState,
    kind_label,
    state_label,
)

__all__ = [
    "DayRules",
    "DueList",
    "DueTasks",
    "Festival",
    "FestivalVisit",
    "FollowUp",
    "LazyPersons",
    "PersonFacts",
    "PersonRow",
    "Policy",
    "PolicyError",
    "SiteGroup",
    "Task",
    "TaskKind",
    "TaskRun",
    "TaskState",
    "all_tasks",
    "birthday_in",
    "build_due_list",
    "compute_due_list",
    "count_due_tasks",
    "default_policy",
    "festival_date",
    "festival_label",
    "festival_occurrences",
    "first_due_tasks",
    "kind_label",
    "load_policy",
    "no_gc",
    "parse_policy",
    "person_tasks",
    "state_label",
    "state_on",
]
