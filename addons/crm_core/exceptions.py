"""Exceptions raised by the CRM core."""
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class ProfileAccessError(AccessError):
    "The user's profile does not allow the action."


class RecursionError(ValidationError):
    "A hierarchy would loop on itself."


class InvalidValueError(ValidationError):
    "A value is out of its allowed range or format."


class DuplicateWarning(UserWarning):
    "A record with the same name or e-mail already exists."


class ReassignError(UserError):
    "The mass re-assignment is not allowed or incomplete."


class ServerFieldError(AccessError):
    "A client tried to write a field only the server sets."


class MassEmailError(UserError):
    "The mass e-mail cannot be sent."


class ActivityError(ValidationError):
    "An activity with impossible dates, recurrence or reminder."
