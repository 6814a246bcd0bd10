from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts import devices  # noqa: F401  (connects the user_logged_in receiver)
