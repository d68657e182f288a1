# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category direct_read: the name of a hidden record read directly.

For every guarded model, the attacker reads the name of each hidden
record (``read([id], ['rec_name'])``, ``read([id], ['id', 'rec_name'])``):
a read of a hidden record must be refused, a placeholder name answered
tells that the record exists.  ``search_read`` on its id must find
nothing.
"""


class DirectReadMixin:
    "The names of hidden records read directly"

    def direct_reads(self):
        world = self.world
        for model in sorted(self.meta.get('guarded') or world.shared):
            methods = set(self.methods_of(model))
            path = f'model.{model}.'
            for record_id in world.sample(model):
                if 'read' in methods:
                    for names in [['rec_name'], ['id', 'rec_name']]:
                        yield self.gen('direct_read', model, 'read',
                            path + 'read', [[record_id], names],
                            checks=[('answered',)])
                if 'search_read' in methods:
                    yield self.gen('direct_read', model, 'search_read',
                        path + 'search_read', [[('id', '=', record_id)],
                            0, None, None, ['rec_name']],
                        checks=[('ids', model)])
