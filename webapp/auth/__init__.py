"""Authentication: register with a join code, log in, log out, choose a language."""

from __future__ import annotations

from flask import Blueprint, Flask

from ..extensions import db, login
from ..models import User

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    login.login_view = "auth.login"
    login.login_message = None  # the login page explains itself
    login.session_protection = "basic"

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        # The cookie holds "id:token"; rotating the token (logout, password change) ends every old session.
        identifier, _, token = user_id.partition(":")
        if not identifier.isdigit() or not token:
            return None
        user = db.session.get(User, int(identifier))
        if user is None or user.session_token != token:
            return None
        return user


from . import views  # noqa: E402,F401  (routes attach themselves to bp)
