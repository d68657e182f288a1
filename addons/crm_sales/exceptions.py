# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The exceptions of the CRM sales module."""
from trytond.exceptions import UserWarning


class QuoteExpiredWarning(UserWarning):
    "A quote past its Valid Till is being accepted."
