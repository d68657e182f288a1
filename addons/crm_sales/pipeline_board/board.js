/* This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
 * level of this repository contains the full copyright notices and license
 * terms.
 *
 * The pipeline board (crm_sales/pipeline_board.py): columns by sales stage
 * from GET data, cards moved by drag and drop or their "Move to" select
 * with POST move (JSON, the CSRF token of the page's <meta>).  Every value
 * of the server is written as text (textContent), never as HTML. */
(function() {
    'use strict';

    var body = document.body;
    var labels = JSON.parse(body.dataset.labels);
    var quarters = JSON.parse(body.dataset.quarters);
    var scopes = JSON.parse(body.dataset.scopes);
    var csrf = document.querySelector('meta[name="csrf-token"]').content;
    var filters = {scope: 'all', quarter: ''};
    var board = document.getElementById('board');
    var stages = [];
    var dragged = null;

    function format(label, values) {
        return label.replace(/%\((\w+)\)s/g, function(match, key) {
            return key in values ? values[key] : match;
        });
    }

    function element(tag, className, text) {
        var node = document.createElement(tag);
        if (className) {
            node.className = className;
        }
        if (text !== undefined && text !== null) {
            node.textContent = String(text);
        }
        return node;
    }

    function showError(message) {
        document.getElementById('alert-text').textContent = message;
        document.getElementById('alert').hidden = false;
    }

    function hideError() {
        document.getElementById('alert').hidden = true;
    }

    function announce(message) {
        document.getElementById('announce').textContent = message;
    }

    /* fetch as JSON; reject with the server's message or "unreachable" */
    function request(url, options) {
        options = options || {};
        options.credentials = 'same-origin';
        options.headers = Object.assign(
            {'Accept': 'application/json'}, options.headers || {});
        return fetch(url, options).then(function(response) {
            return response.json().catch(function() {
                return {};
            }).then(function(data) {
                if (!response.ok) {
                    throw new Error(data.error || labels.unreachable);
                }
                return data;
            });
        }, function() {
            throw new Error(labels.unreachable);
        });
    }

    function column(stageId) {
        return board.querySelector(
            '.column[data-stage="' + Number(stageId) + '"]');
    }

    function stageName(stageId) {
        for (var i = 0; i < stages.length; i++) {
            if (stages[i].id === Number(stageId)) {
                return stages[i].name;
            }
        }
        return '';
    }

    function renderCard(card) {
        var item = element('li', 'card');
        item.dataset.id = card.id;
        item.dataset.stage = card.stage;
        item.draggable = !card.closed;
        if (card.closed) {
            item.classList.add('card-closed');
        }
        if (card.overdue) {
            item.classList.add('card-overdue');
            item.appendChild(element(
                'span', 'label label-danger overdue', labels.overdue));
        }
        var title = element('h3', 'card-name', card.name);
        title.title = card.number;
        item.appendChild(title);
        if (card.account) {
            item.appendChild(element('div', 'card-account', card.account));
        }
        if (card.amount) {
            item.appendChild(element('div', 'card-amount', card.amount));
        }
        var meta = element('div', 'card-meta');
        meta.appendChild(element('span', 'card-date',
                card.close_date || labels.no_close_date));
        if (card.owner) {
            meta.appendChild(element('span', 'card-owner', card.owner));
        }
        item.appendChild(meta);
        if (card.closed) {
            item.appendChild(element('span', 'label label-default',
                    labels.closed));
        } else {
            item.appendChild(moveSelect(card));
        }
        item.addEventListener('dragstart', function(event) {
            dragged = item;
            item.classList.add('dragging');
            event.dataTransfer.effectAllowed = 'move';
            event.dataTransfer.setData('text/plain', String(card.id));
        });
        item.addEventListener('dragend', function() {
            item.classList.remove('dragging');
            dragged = null;
            board.querySelectorAll('.drag-over').forEach(function(node) {
                node.classList.remove('drag-over');
            });
        });
        return item;
    }

    /* The keyboard's way: a "Move to" select of the other stages */
    function moveSelect(card) {
        var label = element('label', 'card-move');
        var text = element('span', 'sr-only', labels.move_to);
        var select = element('select', 'form-control input-sm');
        select.appendChild(element('option', null, labels.move_to));
        select.options[0].value = '';
        stages.forEach(function(stage) {
            if (stage.id !== card.stage) {
                var option = element('option', null, stage.name);
                option.value = stage.id;
                select.appendChild(option);
            }
        });
        select.addEventListener('change', function() {
            var stageId = Number(select.value);
            select.value = '';
            if (stageId) {
                moveCard(select.closest('.card'), stageId);
            }
        });
        label.appendChild(text);
        label.appendChild(select);
        return label;
    }

    function setTotals(stageId, totals) {
        var node = column(stageId);
        if (!node) {
            return;
        }
        node.querySelector('.column-count').textContent = totals.count;
        node.querySelector('.column-amount').textContent = totals.amount;
        node.querySelector('.column-weighted').textContent = format(
            labels.weighted, {amount: totals.weighted});
        node.dataset.count = totals.count;
        refreshColumn(node);
    }

    /* The "+N more" and "no potential" lines of a column */
    function refreshColumn(node) {
        var shown = node.querySelectorAll('.cards > .card').length;
        var more = Math.max(Number(node.dataset.count) - shown, 0);
        var moreNode = node.querySelector('.column-more');
        moreNode.textContent = format(labels.more, {count: more});
        moreNode.hidden = !more;
        node.querySelector('.column-empty').hidden = Boolean(shown || more);
    }

    function renderColumn(stage) {
        var node = element('section', 'column panel panel-default');
        node.dataset.stage = stage.id;
        node.dataset.count = stage.count;
        if (stage.closing) {
            node.classList.add('column-' + stage.closing);
        }
        node.setAttribute('aria-label', stage.name);
        var header = element('header', 'panel-heading');
        header.appendChild(element('h2', 'panel-title', stage.name));
        var figures = element('p', 'column-totals');
        figures.appendChild(element('span', 'badge column-count',
                stage.count));
        figures.appendChild(element('span', 'column-amount', stage.amount));
        header.appendChild(figures);
        header.appendChild(element('p', 'column-weighted',
                format(labels.weighted, {amount: stage.weighted})));
        node.appendChild(header);
        var list = element('ul', 'cards panel-body');
        stage.cards.forEach(function(card) {
            list.appendChild(renderCard(card));
        });
        node.appendChild(list);
        node.appendChild(element('p', 'column-empty', labels.empty));
        node.appendChild(element('p', 'column-more'));
        node.addEventListener('dragover', function(event) {
            if (dragged) {
                event.preventDefault();
                event.dataTransfer.dropEffect = 'move';
                node.classList.add('drag-over');
            }
        });
        node.addEventListener('dragleave', function(event) {
            if (!node.contains(event.relatedTarget)) {
                node.classList.remove('drag-over');
            }
        });
        node.addEventListener('drop', function(event) {
            event.preventDefault();
            node.classList.remove('drag-over');
            if (dragged) {
                moveCard(dragged, stage.id);
            }
        });
        refreshColumn(node);
        return node;
    }

    function render(data) {
        stages = data.stages;
        board.replaceChildren();
        stages.forEach(function(stage) {
            board.appendChild(renderColumn(stage));
        });
        board.setAttribute('aria-busy', 'false');
    }

    function load() {
        hideError();
        board.setAttribute('aria-busy', 'true');
        var query = new URLSearchParams(filters);
        return request('data?' + query.toString()).then(render, function(error) {
            board.setAttribute('aria-busy', 'false');
            showError(error.message);
        });
    }

    /* Move the card (shown at once in its new column), put it back with
     * the server's message when refused */
    function moveCard(card, stageId) {
        var from = card.parentNode;
        var next = card.nextSibling;
        var fromStage = Number(card.dataset.stage);
        var target = column(stageId);
        if (!target || stageId === fromStage) {
            return;
        }
        hideError();
        target.querySelector('.cards').prepend(card);
        card.classList.add('pending');
        refreshColumn(target);
        refreshColumn(column(fromStage));
        request('move', {
            method: 'POST',
            headers: {
                'Content-Type': 'application/json',
                'X-CSRF-Token': csrf,
            },
            body: JSON.stringify({
                potential: Number(card.dataset.id),
                stage: stageId,
                scope: filters.scope,
                quarter: filters.quarter,
            }),
        }).then(function(data) {
            var fresh = renderCard(data.card);
            var landing = column(data.card.stage);
            if (landing && landing !== target) {
                card.remove();
                landing.querySelector('.cards').prepend(fresh);
            } else {
                card.replaceWith(fresh);
            }
            Object.keys(data.totals).forEach(function(key) {
                setTotals(key, data.totals[key]);
            });
            announce(format(labels.moved, {stage: stageName(
                            data.card.stage)}));
        }, function(error) {
            card.classList.remove('pending');
            if (next && next.parentNode === from) {
                from.insertBefore(card, next);
            } else {
                from.appendChild(card);
            }
            refreshColumn(target);
            refreshColumn(column(fromStage));
            showError(error.message);
        });
    }

    function renderFilters() {
        var group = document.getElementById('scope');
        scopes.forEach(function(scope) {
            var label = element('label', 'btn btn-default');
            var input = element('input');
            input.type = 'radio';
            input.name = 'scope';
            input.value = scope.value;
            input.checked = scope.value === filters.scope;
            label.classList.toggle('active', input.checked);
            input.addEventListener('change', function() {
                filters.scope = input.value;
                group.querySelectorAll('label').forEach(function(node) {
                    node.classList.toggle(
                        'active', node.firstChild.checked);
                });
                load();
            });
            label.appendChild(input);
            label.appendChild(document.createTextNode(' ' + scope.label));
            group.appendChild(label);
        });
        var select = document.getElementById('quarter');
        quarters.forEach(function(quarter) {
            var option = element('option', null, quarter.label);
            option.value = quarter.value;
            select.appendChild(option);
        });
        select.value = filters.quarter;
        select.addEventListener('change', function() {
            filters.quarter = select.value;
            load();
        });
        document.getElementById('filters').addEventListener(
            'submit', function(event) {
                event.preventDefault();
            });
        document.getElementById('alert-close').addEventListener(
            'click', hideError);
        document.getElementById('alert-close').title = labels.dismiss;
    }

    renderFilters();
    load();
}());
