# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The markers of the hidden records and how an answer is searched for them.

Every text field of a hidden record holds ``ZQX-SECRET-<tag>-<field>``,
every number 987654.32 or 9876543: :class:`Secrets` registers them (as the
admin reads them back) and finds them in an answer, leaving out what the
caller supplied itself.  The attacker's own records hold the LOW and HIGH
values, sorting below and above the markers.
"""
import decimal
import io
import itertools
import json
import re
import zipfile

from crm_testing import _encode

MARK = 'ZQX-SECRET'
SECRET_NUMERIC = decimal.Decimal('987654.32')
SECRET_INTEGER = 9876543
SECRET_NUMBER_STRINGS = ['987654.32', '987,654.32', '9876543', '9,876,543']

LOW, HIGH = 'AAA-OWN', 'zzz-OWN'
LOW_NUMBER, HIGH_NUMBER = 1, 99999999


class Secrets:
    "The marker values of the hidden records and where they live"

    def __init__(self):
        self.strings = {}   # lower-case marker -> (model, id, field)
        self._regex = None
        self._count = itertools.count(1)

    def tag(self):
        return 'h%d' % next(self._count)

    @staticmethod
    def value(tag, field):
        return f'{MARK}-{tag}-{field}'

    def add(self, marker, where):
        marker = marker.lower()
        if marker not in self.strings:
            self.strings[marker] = where
            self._regex = None

    def register(self, model, record_id, values):
        "Register the markers found in values (a record read by the admin)"
        for field, value in values.items():
            if isinstance(value, bytes):
                value = value.decode('latin-1')
            if isinstance(value, str):
                for found in re.findall(
                        re.escape(MARK.lower()) + r'-h[\dc]+-[\w.@-]*[\w]',
                        value.lower()):
                    self.add(found, (model, record_id, field))
                if value.lower().startswith(MARK.lower()):
                    self.add(value, (model, record_id, field))

    @property
    def regex(self):
        if self._regex is None:
            names = sorted(self.strings, key=len, reverse=True)
            alternatives = [re.escape(n) for n in names] + [
                re.escape(n) for n in SECRET_NUMBER_STRINGS]
            self._regex = re.compile('|'.join(alternatives))
        return self._regex

    def scan(self, obj, supplied=''):
        """Return the markers (and secret numbers) found in obj that the
        caller did not supply itself (supplied: lower-case text)"""
        found = set()
        regex = self.regex

        def text(value):
            for match in regex.findall(value.lower()):
                if match not in supplied:
                    found.add(match)

        def walk(value, depth=0):
            if depth > 50:
                return
            if isinstance(value, str):
                text(value)
            elif isinstance(value, bytes):
                if value[:4] == b'PK\x03\x04':
                    try:
                        with zipfile.ZipFile(io.BytesIO(value)) as archive:
                            for member in archive.namelist():
                                text(archive.read(member).decode(
                                        'utf-8', 'replace'))
                        return
                    except zipfile.BadZipFile:
                        pass
                text(value.decode('latin-1'))
            elif isinstance(value, bool):
                return
            elif isinstance(value, (int, float, decimal.Decimal)):
                if value in (SECRET_NUMERIC, SECRET_INTEGER) and (
                        str(value) not in supplied):
                    found.add(str(value))
            elif isinstance(value, dict):
                for key, item in value.items():
                    walk(key, depth + 1)
                    walk(item, depth + 1)
            elif isinstance(value, (list, tuple, set)):
                for item in value:
                    walk(item, depth + 1)
        walk(obj)
        return sorted(found)

    def where(self, marker):
        where = self.strings.get(marker)
        if where:
            return '%s %s.%s' % (where[0], where[1], where[2])
        return 'secret number'


def supplied_text(args):
    "The lower-case text of what the caller sends"
    try:
        return json.dumps(args, default=_encode).lower()
    except TypeError:
        return repr(args).lower()


def _is_marker(value):
    "Tell if the string value holds a marker of the hidden records."
    return MARK.lower() in value.lower()


def _strings(value):
    found = []
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(_strings(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(_strings(item))
    return found


def _norm(value):
    if isinstance(value, float):
        return round(value, 6)
    return value


def _short(value, size=160):
    text = repr(value)
    return text if len(text) <= size else text[:size] + '...'
