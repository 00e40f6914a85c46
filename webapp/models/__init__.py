"""SQLAlchemy models, one module per aggregate."""

from .assignment import Assignment, AssignmentItem, Extension, RevealPolicy, ScorePolicy
from .base import Base, utcnow
from .course import Course, CourseRole, Enrolment
from .exercise import Exercise, ExercisePart, ExerciseVersion, VersionOrigin
from .grade import Grade, GradeOverride
from .regrade import RegradeRun
from .submission import Grading, Submission
from .user import Role, User
from .variant import Variant

__all__ = [
    "Assignment",
    "AssignmentItem",
    "Base",
    "Course",
    "CourseRole",
    "Enrolment",
    "Exercise",
    "ExercisePart",
    "ExerciseVersion",
    "Extension",
    "Grade",
    "GradeOverride",
    "Grading",
    "RegradeRun",
    "RevealPolicy",
    "Role",
    "ScorePolicy",
    "Submission",
    "User",
    "Variant",
    "VersionOrigin",
    "utcnow",
]
