from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "touchpoint.interviews"
    label = "interviews"
    verbose_name = "Phone interviews"
