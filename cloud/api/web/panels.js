// lotsense dashboard: locations with their current readings, gateways, a lot's audit
// trail and the QA decision form.
'use strict';

(function () {
  const ls = window.lotsense = window.lotsense || {};
  const { byId, el, fmtTime, timeEl, joinPlace, getJSON } = ls;
  const STALE_MS = 15 * 60 * 1000; // a location whose newest reading is older is stale

  // ---- locations ----

  function fmtValue(r) {
    const v = Number(r.value);
    const text = Number.isInteger(v) ? String(v) : v.toFixed(1);
    return r.unit ? text + ' ' + ls.unit(r.unit) : text;
  }

  // locationStatus: on hold when a lot present is held, fault when a sensor's newest
  // reading is not good, stale when nothing arrived for STALE_MS, else ok.
  function locationStatus(loc) {
    if (loc.lots.some((l) => l.status === 'on_hold')) return 'on_hold';
    if (loc.latest.some((r) => r.quality !== 'good')) return 'fault';
    if (Date.now() - Date.parse(loc.updated) > STALE_MS) return 'stale';
    return 'ok';
  }

  function locationCard(loc, openLot) {
    const status = locationStatus(loc);
    const li = el('li', 'location loc-' + status);
    li.dataset.site = loc.site;
    li.dataset.location = loc.location;
    const head = el('div', 'loc-head');
    head.append(el('span', 'loc-name', joinPlace(loc.site, loc.location)),
      el('span', 'badge loc-status', status.replace('_', ' ')));
    li.append(head);
    const ul = el('ul', 'loc-readings');
    for (const r of loc.latest) {
      const item = el('li', 'loc-reading q-' + r.quantity + ' quality-' + r.quality);
      item.append(el('span', 'value', fmtValue(r)), el('span', 'sensor', r.sensor + ' ' + r.quantity),
        el('span', 'quality', r.quality), timeEl('time', r.time));
      ul.append(item);
    }
    li.append(ul);
    const lots = el('div', 'loc-lots');
    if (loc.lots.length === 0) lots.append(el('span', 'empty', 'No lots.'));
    for (const l of loc.lots) {
      const b = el('button', 'lot-link' + (l.status === 'on_hold' ? ' held' : ''), l.lot);
      b.type = 'button';
      b.title = l.id + ' (' + l.status.replace('_', ' ') + ')';
      b.dataset.lot = l.id;
      b.addEventListener('click', () => openLot(l.id));
      lots.append(b);
    }
    li.append(lots);
    return li;
  }

  ls.refreshLocations = async function (openLot) {
    const errBox = byId('locations-error');
    try {
      const list = await getJSON('/api/locations');
      byId('locations').replaceChildren(...list.map((loc) => locationCard(loc, openLot)));
      byId('locations-empty').hidden = list.length > 0;
      errBox.hidden = true;
    } catch (e) {
      errBox.textContent = 'Could not load locations: ' + e.message;
      errBox.hidden = false;
    }
  };

  // ---- gateways ----

  ls.refreshGateways = async function () {
    const errBox = byId('gateways-error');
    try {
      const body = await getJSON('/api/gateways');
      const missing = new Map();
      for (const s of body.sources || []) {
        const k = s.site + '/' + s.gateway;
        missing.set(k, (missing.get(k) || 0) + (s.missing || 0));
      }
      const rows = (body.gateways || []).map((g) => {
        const tr = el('tr', 'gateway gw-' + g.state);
        tr.dataset.gateway = g.site + '/' + g.gateway;
        const state = el('td', 'state');
        state.append(el('span', 'badge gw-state', g.state));
        tr.append(el('th', 'name', joinPlace(g.site, g.gateway)), state, el('td', 'num pending', g.pending),
          el('td', 'num missing', missing.get(g.site + '/' + g.gateway) || 0), el('td', 'seen', fmtTime(g.updated)),
          el('td', 'version', g.version || '—'), el('td', 'config', g.config || 'local'));
        tr.firstChild.scope = 'row';
        return tr;
      });
      byId('gateways').tBodies[0].replaceChildren(...rows);
      byId('gateways-empty').hidden = rows.length > 0;
      byId('gateways').hidden = rows.length === 0;
      errBox.hidden = true;
    } catch (e) {
      errBox.textContent = 'Could not load gateways: ' + e.message;
      errBox.hidden = false;
    }
  };

  // ---- audit trail ----

  ls.auditRows = (entries) => entries.map((a) => {
    const tr = el('tr', 'audit-entry');
    const change = a.before || a.after ? (a.before || '—') + ' → ' + (a.after || '—') : '';
    tr.append(el('td', 'time', fmtTime(a.at)), el('td', 'actor', a.actor), el('td', 'action', a.action),
      el('td', 'change', change.replace(/_/g, ' ')), el('td', 'reason', a.reason));
    return tr;
  });

  // ---- QA decisions ----

  // The statuses a decision may move a lot to (cloud/holds's workflow).
  const NEXT = { released: ['on_hold'], on_hold: ['released', 'rejected', 'destroyed'], rejected: ['destroyed'] };

  // showDecision fills the decision form for a lot in status, for QA users only.
  ls.showDecision = function (lot) {
    const form = byId('decision-form');
    const next = NEXT[lot.status] || [];
    const same = !form.hidden && form.dataset.lot === lot.id && form.dataset.from === lot.status;
    if (form.dataset.lot !== lot.id) byId('decision-done').hidden = true;
    form.hidden = !ls.atLeast('qa') || next.length === 0;
    if (form.hidden || same) return; // keep what the user is typing
    form.dataset.lot = lot.id;
    form.dataset.from = lot.status;
    const sel = byId('decision-to');
    sel.replaceChildren(...next.map((s) => {
      const o = el('option', '', s.replace('_', ' '));
      o.value = s;
      return o;
    }));
    byId('decision-reason').value = '';
    byId('decision-password').value = '';
    byId('decision-error').hidden = true;
  };

  // initDecision wires the form: done(lotID) runs after a decision was taken.
  ls.initDecision = function (done) {
    const form = byId('decision-form');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const errBox = byId('decision-error');
      const reason = byId('decision-reason').value.trim();
      if (!reason) {
        errBox.textContent = 'A reason is required.';
        errBox.hidden = false;
        return;
      }
      const lot = form.dataset.lot;
      const btn = byId('decision-submit');
      btn.disabled = true;
      try {
        await ls.send('POST', '/api/lots/' + encodeURIComponent(lot) + '/decision', {
          to: byId('decision-to').value, from: form.dataset.from, reason, password: byId('decision-password').value,
        });
        byId('decision-password').value = '';
        errBox.hidden = true;
        byId('decision-done').textContent = 'Decision recorded.';
        byId('decision-done').hidden = false;
        done(lot);
      } catch (e) {
        byId('decision-password').value = '';
        errBox.textContent = e.message;
        errBox.hidden = false;
      } finally {
        btn.disabled = false;
      }
    });
  };
})();

(function () {
  const ls = window.lotsense;
  const { el } = ls;

  // alertActions returns the acknowledge and resolve controls of an alert for
  // operators and above (nothing for viewers, or for a resolved alert). The stream's
  // alert_update then redraws the alert.
  ls.alertActions = function (a) {
    if (!ls.atLeast('operator') || a.state === 'resolved') return null;
    const box = el('div', 'alert-actions');
    const err = el('span', 'error action-error');
    err.hidden = true;
    const act = async (what, note) => {
      err.hidden = true;
      try {
        await ls.send('POST', '/api/alerts/' + a.id + '/' + what, { note });
      } catch (e) {
        err.textContent = e.message;
        err.hidden = false;
      }
    };
    if (a.state === 'open') {
      const ack = el('button', 'ack', 'Acknowledge');
      ack.type = 'button';
      ack.addEventListener('click', () => act('ack', ''));
      box.append(ack);
    }
    const resolve = el('button', 'resolve', 'Resolve…');
    resolve.type = 'button';
    const form = el('form', 'resolve-form');
    form.hidden = true;
    const note = el('input', 'note');
    note.type = 'text';
    note.required = true;
    note.placeholder = 'What was done';
    note.setAttribute('aria-label', 'What was done');
    const ok = el('button', 'resolve-confirm', 'Resolve');
    ok.type = 'submit';
    form.append(note, ok);
    resolve.addEventListener('click', () => {
      form.hidden = !form.hidden;
      if (!form.hidden) note.focus();
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (note.value.trim()) act('resolve', note.value.trim());
    });
    box.append(resolve, form, err);
    return box;
  };
})();
