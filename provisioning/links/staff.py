"""One staff member as a source file states it, and the problems a row can have."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SourceRef:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


# Slots and shared frozensets: a national staff list holds 100,000 of these (measured: reading
# 100,000 CSV rows peaked at 193 MiB with a dict per member and sets per row, 95 MiB like this).
@dataclass(slots=True)
class StaffMember:
    national_id: str
    national_id_type: str
    first_name: str
    last_name: str
    rpps: str | None = None
    email: str | None = None
    groups: frozenset[str] = frozenset()  # group paths, e.g. "/SMUR 67 Strasbourg"
    roles: frozenset[str] = frozenset()  # realm role names
    sources: list[SourceRef] = field(default_factory=list)  # every line that mentions this person

    @property
    def where(self) -> str:
        return str(self.sources[0]) if self.sources else "?"


@dataclass(frozen=True, slots=True)
class RowProblem:
    source: SourceRef
    message: str
    national_id: str | None = None

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass
class StaffList:
    members: dict[str, StaffMember] = field(default_factory=dict)  # national id -> member
    problems: list[RowProblem] = field(default_factory=list)
    rows_read: int = 0

    def mentioned(self) -> tuple[set[str], set[str]]:
        """Every group path and every realm role the list names: the only ones the links tool manages."""
        members = self.members.values()
        return set().union(*(m.groups for m in members)), set().union(*(m.roles for m in members))


class StaffListBuilder:
    """Collects members row by row, turning every bad row into a RowProblem (never an exception)."""

    def __init__(self, sandbox: bool = False):
        self.result = StaffList()
        self.sandbox = sandbox

    def national_id(self, ref: SourceRef, text: str, *, from_rpps: bool = False):
        from psc_ids.national_id import NationalIdError, describe_character, first_outside, parse_national_id, shown

        text = (text or "").strip()
        if from_rpps:
            bad = first_outside(text)
            if bad is not None:
                self.problem(ref, f"rpps '{shown(text)}': character {describe_character(text[bad])} at position "
                                  f"{bad + 1} is not a digit 0-9")
                return None
            if len(text) != 11:
                self.problem(ref, f"rpps '{text}' must be 11 digits")
                return None
            text = "8" + text
        try:
            return parse_national_id(text, sandbox=self.sandbox)
        except NationalIdError as exc:
            self.problem(ref, f"national id {exc}", text or None)
            return None

    def problem(self, ref: SourceRef, message: str, national_id: str | None = None) -> None:
        self.result.problems.append(RowProblem(ref, message, national_id))

    def add(self, ref: SourceRef, member: StaffMember, *, merge_repeats: bool) -> None:
        """Add a member; a repeated national id is merged (directory: one line per activity) or refused."""
        existing = self.result.members.get(member.national_id)
        if existing is None:
            self.result.members[member.national_id] = member
            return
        if not merge_repeats:
            self.problem(ref, f"national id {member.national_id} already given at {existing.where}",
                         member.national_id)
            return
        existing.groups = existing.groups | member.groups
        existing.roles = existing.roles | member.roles
        existing.sources += member.sources
