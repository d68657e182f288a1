# This file is part of the CRM for Tryton.
