"""What teachers see: their courses, the gradebook, and each student's submissions."""

from flask import Blueprint, abort
from flask_login import current_user

from ..extensions import login

bp = Blueprint("teach", __name__, url_prefix="/teach")


@bp.before_request
def require_teacher():
    # Every route here is for teachers: a student is refused before any view runs, so none can be forgotten.
    if not current_user.is_authenticated:
        return login.unauthorized()
    if not current_user.is_teacher:
        abort(403)


from . import views  # noqa: E402,F401  (routes attach themselves to bp)
from . import analysis_views  # noqa: E402,F401
from . import course_views  # noqa: E402,F401
from . import regrade_views  # noqa: E402,F401
from . import authoring_views  # noqa: E402,F401
from . import extension_views  # noqa: E402,F401
