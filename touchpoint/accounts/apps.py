from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "touchpoint.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisation"
