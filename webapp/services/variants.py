"""Variants: each student's own instance of an exercise, and its cached, verified key."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import grader
from exercises import ComputedKey, Dataset, ExerciseDefinition, build_dataset, compute_key

from ..models import Course, Exercise, ExerciseVersion, User, Variant, utcnow


_SESSION_VARIANTS = "mlelab.variants"  # session.info key: (course, user, exercise) ids -> Variant
# Built once, so that each request finds it compiled in SQLAlchemy's cache.
_VARIANT = select(Variant).where(Variant.course_id == bindparam("course_id"), Variant.user_id == bindparam("user_id"),
                                 Variant.exercise_id == bindparam("exercise_id"))


def variant_seed(secret: str, course_id: int, user_id: int, exercise_uuid: str) -> str:
    message = f"variant:{course_id}:{user_id}:{exercise_uuid}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def get_or_create_variant(session: Session, *, course: Course, user: User, exercise: Exercise, secret: str) -> Variant:
    # A request asks for the same variant more than once (the page, then the submission): the session remembers
    # the rows it found, as long as they are still its persistent rows (not rolled back, not expunged).
    found = session.info.setdefault(_SESSION_VARIANTS, {})
    identity = (course.id, user.id, exercise.id)
    known = found.get(identity)
    if known is not None and inspect(known).persistent and known in session:
        return known
    found[identity] = variant = _get_or_create_variant(session, course=course, user=user, exercise=exercise,
                                                       secret=secret)
    return variant


def _get_or_create_variant(session: Session, *, course: Course, user: User, exercise: Exercise,
                           secret: str) -> Variant:
    ids = {"course_id": course.id, "user_id": user.id, "exercise_id": exercise.id}
    variant = session.scalar(_VARIANT, ids)
    if variant is not None:
        return variant
    variant = Variant(course_id=course.id, user_id=user.id, exercise_id=exercise.id,
                      seed=variant_seed(secret, course.id, user.id, exercise.uuid))
    try:
        # A second tab opening the same exercise at the same moment must not fail: the loser reads the winner's row.
        with session.begin_nested():
            session.add(variant)
    except IntegrityError:
        variant = session.scalars(_VARIANT, ids).one()
    return variant


@dataclass(frozen=True)
class VariantKey:
    definition: ExerciseDefinition
    dataset: Dataset
    values: dict[str, Any]
    mistakes: dict[str, Any]


def ensure_key(session: Session, variant: Variant, version: ExerciseVersion) -> VariantKey:
    """The variant's data and verified key for ``version``, computed once per exercise and grader version.

    Raises ``exercises.KeyComputationError`` when the grader cannot verify a key for this data.
    """
    definition = version.parsed_definition()
    cache_is_fresh = variant.key_version_id == version.id and variant.grader_version == grader.GRADER_VERSION
    if cache_is_fresh and variant.data is not None and variant.key is not None:
        return VariantKey(definition, Dataset.from_json(variant.data), dict(variant.key["values"]),
                          ComputedKey.mistakes_from_json(variant.key))
    dataset = build_dataset(definition, variant.seed)
    computed = compute_key(definition, dataset)
    variant.key_version_id = version.id
    variant.grader_version = computed.grader_version
    variant.data = dataset.to_json()
    variant.key = computed.to_json()
    variant.verification = computed.verification
    variant.key_computed_at = utcnow()
    session.flush()
    return VariantKey(definition, dataset, computed.values, computed.mistakes)
