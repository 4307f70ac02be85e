import zoneinfo

from wtforms import EmailField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from crm.models.pipeline import STAGE_KINDS
from crm.permissions import PERMISSIONS
from crm.forms import TextForm
from crm.services.organizations import CURRENCIES


class InviteForm(TextForm):
    email = EmailField("Email", validators=[DataRequired("Enter the email address to invite."), Length(max=254)])
    role_id = SelectField("Role", coerce=str, validate_choice=False)


class RoleForm(TextForm):
    name = StringField("Name", validators=[DataRequired("Give the role a name."), Length(max=60)])
    permissions = SelectMultipleField(
        "Permissions", choices=[SelectChoice(k, v) for k, v in PERMISSIONS.items()], validate_choice=False,
        option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False))


class StageForm(TextForm):
    name = StringField("Name", validators=[DataRequired("Give the stage a name."), Length(max=60)])
    probability = IntegerField("Probability %", default=10, validators=[
        InputRequired("Enter a probability from 0 to 100."), NumberRange(0, 100, "Probability must be from 0 to 100.")])
    expected_days = IntegerField("Expected days in stage", default=14, validators=[
        InputRequired("Enter a number of days."), NumberRange(0, 3650, "Expected days must be from 0 to 3650.")])
    kind = SelectField("Kind", choices=[SelectChoice(k, k.capitalize()) for k in STAGE_KINDS], default="open")


class SettingsForm(TextForm):
    name = StringField("Organization name", validators=[DataRequired("Give the organization a name."), Length(max=120)])
    currency = SelectField("Currency", choices=CURRENCIES)
    timezone = SelectField("Timezone", choices=sorted(zoneinfo.available_timezones()))


class RoleChoiceForm(TextForm):
    role_id = SelectField("Role", coerce=str, validate_choice=False)
