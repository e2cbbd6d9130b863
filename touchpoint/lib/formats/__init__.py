"""Our additions to Django's locale formats (FORMAT_MODULE_PATH): only what Django leaves
out; every other format still comes from Django's own module for the language."""
