# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category delete: phase 5, deletions.

delete of every hidden record, then the DELETE routes (``route.py``).
"""


class DeleteMixin:
    "Phase 5: delete"

    def phase_delete(self):
        world = self.world
        for model in self.targets:
            if 'delete' not in self.writable_methods(model):
                continue
            for h in world.sample(model):
                yield self.gen('delete', model, 'delete',
                    f'model.{model}.delete', [[h]], mutating=True)
        yield from self.routes(mutating=True, delete=True)
