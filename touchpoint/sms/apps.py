from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "touchpoint.sms"
    label = "sms"
    verbose_name = "SMS"
