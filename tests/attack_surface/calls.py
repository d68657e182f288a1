# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The calls of the attacker and their outcome.

:class:`Client` calls over JSON-RPC (confirming a warning as a client
does) or HTTP and gives an :class:`Outcome`: ok, refused (an error the
server chose to give) or not applicable (argument shapes, 422, 5xx).
:class:`Attempt` is one call to make and, once run, its verdict.
"""
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request

from crm_testing import RpcError, _decode, _encode


class Outcome:
    __slots__ = ('status', 'value', 'error', 'http', 'warning')

    def __init__(self, status, value=None, error=None, http=None,
            warning=None):
        self.status = status    # 'ok', 'refused' or 'na'
        self.value = value
        self.error = error      # text of the error
        self.http = http
        self.warning = warning  # text of a warning confirmed before

    def signature(self, supplied_strings=(), values=True):
        "What an observer learns from the outcome (for oracle pairs)"
        supplied = sorted(
            {str(s) for s in supplied_strings if s}, key=len, reverse=True)

        def clean(text):
            text = str(text)
            for value in supplied:
                text = text.replace(value, '<supplied>')
            text = re.sub(r'\bATK-\d+\b', 'ATK-n', text)
            # the id a refused record got: PostgreSQL does not roll back
            # its sequences, so two refused creations name different ids
            # (as "[12]" where the record has no name, or as its id
            # where its name is the id: 'in record "23" of')
            text = re.sub(r'"\[\d+\]"', '"[n]"', text)
            return re.sub(r'\brecord "\d+"', 'record "n"', text)
        warning = clean(self.warning) if self.warning else None
        if self.status == 'ok':
            value = clean(json.dumps(
                    self.value, default=_encode, sort_keys=True)) if (
                values) else ''
            return ('ok', warning, value)
        return (self.status, warning, clean(self.error))


def classify_error(error):
    "('refused' or 'na', text) of an RpcError"
    if error.status is not None:
        text = f'HTTP {error.status}: {str(error.error)[:300]}'
        if error.status == 422 or error.status >= 500:
            return 'na', text
        return 'refused', text
    payload = error.error
    if isinstance(payload, (list, tuple)) and payload:
        kind = payload[0]
        if kind in {'UserError', 'UserWarning', 'ConcurrencyException',
                'LoginException'}:
            details = payload[1] if len(payload) > 1 else ''
            if isinstance(details, (list, tuple)):
                if kind == 'UserWarning':
                    details = ' - '.join(str(d) for d in details[1:3])
                else:
                    details = ' - '.join(str(d) for d in details[:2])
            return 'refused', f'{kind}: {details}'
        return 'na', ' | '.join(str(p) for p in payload)
    return 'na', str(payload)


class Client:
    "JSON-RPC and HTTP calls of one user"

    def __init__(self, rpc, rest_key=None, timeout=30):
        self.rpc = rpc
        self.rest_key = rest_key
        self.rpc.timeout = timeout
        self._board = None

    def board_headers(self):
        """The cookie and CSRF token of the user's pipeline board session,
        opened once as sao opens it: the menu's wizard gives a launch
        code, the page trades it for the cookie and shows the token ({}
        without the board)"""
        if self._board is None:
            self._board = {}
            try:
                self._board = self._open_board()
            except (RpcError, OSError, KeyError, IndexError, ValueError):
                pass
        return self._board

    def _open_board(self):
        rpc = self.rpc
        name = 'wizard.crm.pipeline_board.open'
        session, start, _ = rpc.call(f'{name}.create', rpc.context)
        result = rpc.call(f'{name}.execute', session, {}, start, rpc.context)
        rpc.call(f'{name}.delete', session, rpc.context)
        (action, _), = result['actions']
        parts = urllib.parse.urlsplit(rpc.url)
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=30)
        try:
            # (the answer is a redirect with the cookie: not followed)
            connection.request('GET', action['url'])
            response = connection.getresponse()
            response.read()
            cookie = response.headers['Set-Cookie'].split(';')[0]
            connection.request('GET', response.headers['Location'],
                headers={'Cookie': cookie})
            page = connection.getresponse().read().decode()
        finally:
            connection.close()
        token = page.split('<meta name="csrf-token" content="')[1].split(
            '"')[0]
        return {'Cookie': cookie, 'X-CSRF-Token': token}

    def call(self, method, args, context=None):
        """Call method as a client does: a warning is confirmed (skipped)
        and the call made again"""
        context = {**self.rpc.context, **(context or {})}
        warning = None
        for _ in range(3):
            try:
                return Outcome('ok', self.rpc.call(method, *args, context),
                    warning=warning)
            except RpcError as error:
                status, text = classify_error(error)
                payload = error.error
                if (error.status is None and isinstance(payload, list)
                        and payload and payload[0] == 'UserWarning'
                        and warning is None):
                    warning = text
                    try:
                        self.rpc.call('model.res.user.warning.skip',
                            payload[1][0], False, context)
                        continue
                    except RpcError:
                        pass
                return Outcome(status, error=text, http=error.status,
                    warning=warning)
            except (OSError, ValueError) as error:
                return Outcome('na', error=f'{type(error).__name__}: {error}',
                    warning=warning)

    def http(self, method, path, query=None, body=None, auth='session',
            form=None):
        url = self.rpc.url + path
        if query:
            url += '?' + urllib.parse.urlencode(query, doseq=True)
        headers = {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
        elif body is not None:
            data = json.dumps(body, default=_encode).encode()
            headers['Content-Type'] = 'application/json'
        if auth == 'session' and self.rpc.session:
            headers['Authorization'] = f'Session {self.rpc.session}'
        elif auth == 'rest' and self.rest_key:
            headers['Authorization'] = f'Bearer {self.rest_key}'
        elif auth == 'board':
            headers.update(self.board_headers())
        request = urllib.request.Request(
            url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                content = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            content = error.read()
            status = error.code
        except (OSError, ValueError) as error:
            return Outcome('na', error=f'{type(error).__name__}: {error}')
        if status >= 400:
            text = content.decode('utf-8', 'replace')[:2000]
            if status == 422 or status >= 500:
                return Outcome('na', error=f'HTTP {status}: {text}',
                    http=status)
            return Outcome('refused', error=f'HTTP {status}: {text}',
                http=status)
        value = content
        try:
            value = json.loads(content, object_hook=_decode)
        except ValueError:
            pass
        return Outcome('ok', value, http=status)


def _ids_of(value):
    "Record ids in a search, read or search_read result"
    ids = set()
    if isinstance(value, list):
        for item in value:
            if isinstance(item, bool):
                continue
            if isinstance(item, int):
                ids.add(item)
            elif isinstance(item, dict) and isinstance(item.get('id'), int):
                ids.add(item['id'])
    return ids


class Attempt:
    "One call and its judgement"
    __slots__ = ('category', 'model', 'method', 'path', 'args', 'context',
        'checks', 'mutating', 'outcome', 'verdict', 'details', 'http',
        'pair', 'truth', 'auth', 'query', 'body', 'form', 'trace')

    def __init__(self, category, model, method, path, args=(), context=None,
            checks=(), mutating=False, pair=None, truth=None, http=None,
            auth='session', query=None, body=None, form=None):
        self.category = category
        self.model = model
        self.method = method
        self.path = path
        self.args = list(args)
        self.context = context or {}
        self.checks = list(checks)
        self.mutating = mutating
        self.pair = pair
        self.truth = truth
        self.http = http    # HTTP method for routes
        self.auth = auth
        self.query = query
        self.body = body
        self.form = form
        self.outcome = None
        self.verdict = None
        self.details = []
        self.trace = []     # the lines of the server's tracer (lookup.py)

    def describe(self):
        if self.http:
            query = ('?' + urllib.parse.urlencode(self.query, doseq=True)
                if self.query else '')
            body = f' body={self.body!r}' if self.body is not None else ''
            return f'{self.http} {self.path}{query}{body} [auth={self.auth}]'
        args = json.dumps(self.args, default=_encode)
        if len(args) > 600:
            args = args[:600] + '...'
        context = {k: v for k, v in self.context.items()
            if k.startswith('active') or k in {'action_id'}}
        text = f'{self.path}({args[1:-1]})'
        if context:
            text += f' context={context}'
        return text
