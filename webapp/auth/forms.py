from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..services.accounts import MIN_PASSWORD_LENGTH


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


# The rules of a password a person chooses (registration, replacing a first-login password), and of repeating it.
PASSWORD_RULES = (
    DataRequired(_l("Choose a password.")),
    Length(min=MIN_PASSWORD_LENGTH, max=200,
           message=_l("The password must be at least %(min)d characters long.", min=MIN_PASSWORD_LENGTH)),
)
CONFIRM_RULES = (DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ.")))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[strip],
                       validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)])


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), filters=[strip],
                       validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    email = EmailField(_l("E-mail"), filters=[strip], validators=[
        DataRequired(_l("Enter your e-mail address.")),
        Email(_l("This does not look like an e-mail address."), check_deliverability=False),
        Length(max=254),
    ])
    password = PasswordField(_l("Password"), validators=list(PASSWORD_RULES))
    confirm = PasswordField(_l("Repeat the password"), validators=list(CONFIRM_RULES))
    join_code = StringField(_l("Course join code"), validators=[
        DataRequired(_l("Enter the join code your teacher gave you.")), Length(max=32),
    ])


class NewPasswordForm(FlaskForm):
    """Replacing a password someone else chose with one's own, by the registration's rules."""

    password = PasswordField(_l("New password"), validators=list(PASSWORD_RULES))
    confirm = PasswordField(_l("Repeat the new password"), validators=list(CONFIRM_RULES))


class LanguageForm(FlaskForm):
    language = StringField(validators=[DataRequired(), Length(max=8)])
    next = StringField(validators=[Length(max=500)])


class LogoutForm(FlaskForm):
    pass
