"""Every respondent-facing text of the SMS, phone-interview and kiosk channels, as gettext
message ids. Their translations are the catalogues in `touchpoint/sms/locale/`;
`tests/test_channel_languages.py` fails while a shipped language lacks one."""

MESSAGES = (
    "Reply with a number from 0 to 10.",
    "Or answer here: {url}",
    "Reply STOP to opt out.",
    "Thank you. There is no survey open for this number.",
    "Thank you for your answer!",
    "Thank you! If you like, reply with the main reason for your score.",
    "Thank you, we have added your comment.",
    "Sorry, that message is too long. Please send a shorter one.",
    "Sorry, we did not understand. Please reply with a number from 0 (not likely) "
    "to 10 (very likely).",
    "I am calling on behalf of {brand}. Do you have one minute for two questions?",
    "One moment, please: this screen will be ready again shortly.",
)
