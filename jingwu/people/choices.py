from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")
    UNKNOWN = "unknown", _("未知")


# The personal-data fields (个人敏感信息) that are masked unless revealed.
PERSONAL_FIELDS = ("id_number", "phone", "address")
