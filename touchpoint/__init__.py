"""Touchpoint: a self-hosted Net Promoter Score and customer-experience platform."""
