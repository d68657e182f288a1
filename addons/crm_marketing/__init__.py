# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
