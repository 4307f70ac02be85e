from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from crm.services.organizations import CURRENCIES
from crm.forms import TextForm
from crm.services.passwords import MAX_LENGTH


class SignupForm(TextForm):
    name = StringField("Your name", validators=[DataRequired("Tell us your name."), Length(max=120)])
    email = EmailField("Work email", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password (at least 12 characters)", validators=[DataRequired("Choose a password."), Length(max=MAX_LENGTH)])
    org_name = StringField("Organization name", validators=[DataRequired("Name your organization."), Length(max=120)])
    slug = StringField("Web address", validators=[Length(max=40)],
                       description="Your pages will live at /<this>/. Lowercase letters, digits and hyphens.")
    currency = SelectField("Currency", choices=CURRENCIES, default="USD")


class LoginForm(TextForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)])
    remember = BooleanField("Keep me signed in on this device")


class AcceptInvitationForm(TextForm):
    name = StringField("Your name", validators=[Length(max=120)])
    password = PasswordField("Password", validators=[DataRequired("Enter a password."), Length(max=MAX_LENGTH)])
