from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class PeopleConfig(AppConfig):
    name = "jingwu.people"
    label = "people"
    verbose_name = "人员"

    def ready(self) -> None:
        # A malformed key ring stops the start here, not at the first person read.
        from jingwu.core.encrypted_fields import data_ring, index_ring
        from jingwu.core.fieldcrypto import KeyRingError

        try:
            data_ring(), index_ring()
        except KeyRingError as exc:
            raise ImproperlyConfigured(f"{exc} (个人信息加密密钥配置有误)") from exc
