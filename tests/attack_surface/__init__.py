# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Enumeration, arguments and verdicts of the generated attack suite.

``tests/test_attack_surface.py`` builds a world (a victim and an attacker,
both sales reps, every ``crm.sharing`` set to private, hidden records of
every shared model filled with markers) and runs :class:`Attack`:

* the models come from the server: the shared ones from ``crm.sharing``,
  the ones pointing to them from ``ir.model.field`` (Many2One, One2Many,
  Many2Many to a shared model, every Reference field) and the models of
  the records found pointing to a hidden record (children: addresses,
  contact mechanisms, attachments, notes, chat channels and messages,
  notifications, change log ...);
* the methods from ``system.listMethods`` (``__rpc__``, buttons included:
  they are told apart by the models' ``_buttons``), the wizards
  (``ir.action.keyword`` form_action and ``ir.action.wizard``), the reports
  (``ir.action.report``) and the routes of the WSGI application (read in
  this process after the pool is loaded);
* every call is made over JSON-RPC or HTTP as the attacker with the hidden
  id (or a domain or a value naming it) in each position that takes one,
  and judged: refused, empty (nothing of the hidden record), not
  applicable (the call failed for an unrelated reason) or leak;
* the SQL reports (every ModelSQL overriding ``table_query``: no field of
  theirs points to the records they sum) are read whole by the attacker
  before and after the admin gives the victim new hidden records in their
  default period (category ``aggregate``): any change of the attacker's
  answer is a leak.

Nothing here names a CRM model but the set-up hints of ``world.py``:
models and methods of later modules are picked up as they come.

The modules:

  discovery   what a client may call, read from the pool (introspect)
  markers     the marker values of the hidden records and the search of
              an answer for them (Secrets)
  calls       the attacker's JSON-RPC and HTTP calls, their outcome and
              an attempt (Client, Outcome, Attempt)
  world       the users and records (World) and the set-up hints
  build       build_world: the world made by the admin
  world_cache the world's database and state cached in DB_CACHE, copied
              by each shard (WorldCache)
  attack      Attack: running and judging a call, the phases, CATEGORIES
  checks      the verdicts of a call that answered or changed something
  summary     the report, the log and the summary table of a run

One module per door, a mixin of Attack each, named by its category:
  read        read, search, export (phase 1, the read-only calls)
  oracle      oracle, order (pairs of calls telling a hidden value)
  on_change   on_change (the methods of a form being edited)
  rpc         rpc, chat, button (model specific methods, by signature)
  report      report (ir.action.report)
  create      create, copy, import (phase 2)
  write       write (phase 3)
  wizard      wizard
  route       route (the HTTP routes)
  direct_read direct_read (names of hidden records read directly;
              phase 5, phase_requests: what a request carries besides
              its records)
  stored_link stored_link (the attacker's records pointing to hidden
              ones: read, on_change)
  arguments   arguments (hidden ids and references as plain arguments;
              what the server mails, smtp_sink.py)
  context     context (default_<field> and the keys of default methods)
  wizard_rpc  wizard_rpc (the wizards of guarded models as sao runs them,
              owners hidden, without the profile's action)
  lookup      lookup (the hidden records the server read for a call,
              told by tests/trace_server.py; every call is judged)
  delete      delete (phase 6)
  aggregate   aggregate (the SQL reports)
  rule        rule (the records shared read only by a sharing rule: run
              last, Attack.run_rules)

The category side_effect is the check after each phase (Attack.execute).
The phases run in two shards (SHARDS), each on its own copy of one world
(built once per run and backend: world_cache.py).

To add a door: a module with a mixin class whose generators yield
``self.gen(category, model, method, path, args, ...)`` attempts (see
calls.Attempt for the checks, pairs and mutating flags), then in
``attack.py`` the mixin among the bases of Attack, the category in
CATEGORIES and its generator yielded from a phase (``phase_read`` for
read-only calls, ``phase_actions`` for mutating ones) or run from
``Attack.execute``.
"""
from .attack import CATEGORIES, PHASES, SHARDS, Attack
from .build import build_world
from .calls import Client
from .discovery import introspect

__all__ = ['CATEGORIES', 'PHASES', 'SHARDS', 'Attack', 'Client',
    'build_world', 'introspect']
