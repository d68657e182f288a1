"""Exceptions raised by CRM Support."""
from trytond.model.exceptions import ValidationError


class TicketError(ValidationError):
    "A ticket's values or action are not allowed."


class FaqError(ValidationError):
    "A FAQ's values or action are not allowed."
