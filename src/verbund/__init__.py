"""Verbund: many contact-center companies staffing one national hotline together."""

__version__ = "0.1.0"
