from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "touchpoint.contacts"
    label = "contacts"
