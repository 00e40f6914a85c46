from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..feedback import CORRECT, INCORRECT, PARTLY, PENDING, verdict_status
from ..models import Course, CourseRole, User
from ..services.courses import can_teach, course_role, courses_of
from ..services.gradebook import build_gradebook, submission_history
from . import bp


def course_taught_or_403(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    if not can_teach(db.session, course.id, current_user):
        abort(403)
    return course


@bp.route("/")
def courses():
    taught = [course for course, role in courses_of(db.session, current_user) if role is CourseRole.TEACHER]
    return render_template("teach/courses.html", courses=taught)


@bp.route("/courses/<int:course_id>/gradebook")
def gradebook(course_id: int):
    course = course_taught_or_403(course_id)
    return render_template("teach/gradebook.html", gradebook=build_gradebook(db.session, course))


@bp.route("/courses/<int:course_id>/students/<int:user_id>")
def student(course_id: int, user_id: int):
    course = course_taught_or_403(course_id)
    student = db.session.get(User, user_id)
    if student is None or course_role(db.session, course.id, student) is not CourseRole.STUDENT:
        abort(404)
    review_words = {CORRECT: _("correct"), PARTLY: _("partly correct"), PENDING: _("awaiting review"),
                    INCORRECT: _("incorrect")}
    badges = {CORRECT: "badge-ok", PARTLY: "badge-warn", PENDING: "badge-info", INCORRECT: "badge-bad"}
    return render_template("teach/student.html", course=course, student=student,
                           submissions=submission_history(db.session, course, student),
                           verdict_status=verdict_status, review_words=review_words, badges=badges)
