from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "touchpoint.worker"
    label = "worker"
    verbose_name = "Background worker"
