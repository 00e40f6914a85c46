"""What students see: their courses, assignments, exercises, answers and feedback."""

from flask import Blueprint

bp = Blueprint("learn", __name__)

from . import views  # noqa: E402,F401  (routes attach themselves to bp)
