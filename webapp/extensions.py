"""Extension singletons, bound to an app in ``create_app``. Never imports the app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy_lite import SQLAlchemy
from flask_wtf import CSRFProtect

# A request commits once, at its end or just before rendering: objects it loaded stay loaded after that commit
# instead of each being read again on its next attribute access (an extra query per object on every page).
db = SQLAlchemy(session_options={"expire_on_commit": False})
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
