# Django's Hindi formats name a thousand separator but no grouping, so a grouped count would
# read 1234567. Hindi readers group in the Indian way: the first three digits, then by two
# (12,34,567).
NUMBER_GROUPING = (3, 2, 0)
