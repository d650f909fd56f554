// lotsense dashboard: trace and recall — a lot's forward trace (lots made from it,
// customers reached, its events), backward trace (input lots, suppliers) and recall
// report (affected lots, shipped per customer, on hand per place, exports).
// Every piece of data reaches the page through textContent, never innerHTML.
'use strict';

(function () {
  const ls = window.lotsense;
  const tr = ls.trace;
  const { byId, el, getJSON, timeEl } = ls;

  const TYPES = {
    commissioning: 'Commissioning', receiving: 'Receiving', shipping: 'Shipping', transformation: 'Transformation',
    aggregation: 'Aggregation', disposition: 'Disposition', observation: 'Observation',
  };
  const DOCS = { po: 'PO', bol: 'BOL', desadv: 'ASN', inv: 'Invoice', prodorder: 'Work order' };
  const lotKey = (gtin, code) => '(01)' + gtin + '(10)' + code;

  let seq = 0; // the latest search; older answers are dropped
  let selectTop = null; // selects a tab of the traceability panel
  let selectView = null; // selects forward, backward or recall

  // lotKeyOf reads the search form: a lot key "(01)…(10)…", "GTIN/LOT", or the GTIN
  // and lot code fields. A GTIN-8, -12 or -13 is padded to 14 digits.
  function lotKeyOf() {
    const key = byId('trace-lot').value.trim();
    const pad = (g) => (/^\d{8,13}$/.test(g) ? g.padStart(14, '0') : g);
    if (key.startsWith('(')) return key;
    if (key) {
      const i = key.indexOf('/');
      if (i > 0) return pad(key.slice(0, i).trim()) + '/' + key.slice(i + 1).trim();
      throw new Error('Enter a lot key such as (01)09506000134352(10)LOT, or GTIN/LOT.');
    }
    const gtin = byId('trace-gtin').value.trim(), code = byId('trace-code').value.trim();
    if (gtin && code) return pad(gtin) + '/' + code;
    throw new Error('Enter a lot key, or a GTIN and a lot code.');
  }

  // ---- forward and backward ----

  function lotRow(reg, l) {
    const row = el('tr', 'trace-lot depth-' + Math.min(l.depth, 3));
    row.dataset.lot = l.key;
    const via = (l.via || []).map((k) => k.replace(/^\(01\)\d{14}\(10\)/, '')).join(', ');
    const act = el('td', 'actions');
    act.append(tr.traceButton(l.key, l.lot.lot));
    row.append(tr.lotCell(reg, l.lot.gtin, l.lot.lot, true), el('td', 'num depth', l.depth), el('td', 'via', via),
      el('td', 'expiry', tr.fmtDate(l.lot.expiry)), el('td', 'num size', l.lot.quantity ? tr.fmtQty(l.lot.quantity, l.lot.unit) : '—'), act);
    return row;
  }

  function partyRow(p) {
    const row = el('tr', 'party party-' + p.kind);
    row.dataset.gln = p.gln;
    const a = p.address || {};
    row.append(tr.rowHead('party-name', p.name || p.gln), el('td', 'gln', p.gln),
      el('td', 'address', [a.street, a.city, a.region, a.country].filter(Boolean).join(', ')));
    return row;
  }

  // lotList writes an event's lot quantities; lots of the trace stand out.
  function lotList(reg, items, inTrace) {
    const box = el('span', 'ev-lots');
    (items || []).forEach((q, i) => {
      if (i > 0) box.append(', ');
      const s = el('span', 'ev-lot' + (inTrace.has(lotKey(q.gtin, q.lot)) ? ' in-trace' : ''), q.lot);
      s.title = (tr.productName(reg, q.gtin) || q.gtin);
      box.append(s);
      if (q.quantity) box.append(' ' + tr.fmtQty(q.quantity, q.unit));
    });
    return box;
  }

  // eventRow: when, what and where (type, place and read point, shipped from → to),
  // the lots with quantities, the reference documents.
  function eventRow(reg, e, inTrace) {
    const row = el('tr', 'trace-event ev-' + e.type);
    row.dataset.event = e.event_id;
    const time = el('td', 'time');
    time.append(timeEl('', e.time));
    let what = TYPES[e.type] || e.type;
    if (e.disposition && e.type === 'disposition') what += ': ' + e.disposition.replace(/_/g, ' ');
    const cell = el('td', 'what');
    cell.append(el('span', 'type', what));
    if (e.reason) cell.append(el('span', 'ev-reason', e.reason));
    const place = el('span', 'place', tr.placeName(reg, e.location));
    if (e.read_point && e.read_point !== e.location) place.append(el('span', 'read-point', tr.placeName(reg, e.read_point)));
    cell.append(place);
    if (e.ship_from || e.ship_to) {
      cell.append(el('span', 'route', [tr.placeName(reg, e.ship_from) || '?', tr.placeName(reg, e.ship_to) || '?'].join(' → ')));
    }
    const lots = el('td', 'lots');
    if (e.type === 'transformation') {
      lots.append(lotList(reg, e.inputs, inTrace), ' → ', lotList(reg, e.outputs, inTrace));
    } else {
      lots.append(lotList(reg, e.lots, inTrace));
    }
    if (e.parent) lots.append(el('span', 'ev-parent', (e.action === 'DELETE' ? 'off ' : 'on ') + e.parent));
    const docs = (e.documents || []).map((d) => {
      const label = DOCS[d.type] || d.type;
      return d.id.toUpperCase().startsWith(label.toUpperCase()) ? d.id : label + ' ' + d.id;
    }).join(', ');
    row.append(time, cell, lots, el('td', 'docs', docs));
    return row;
  }

  function renderTrace(reg, t) {
    const p = 'trace-' + t.direction;
    const fw = t.direction === 'forward';
    const lots = (t.lots || []).filter((l) => l.depth > 0);
    const parties = t.parties || [];
    const events = t.events || [];
    const inTrace = new Set((t.lots || []).map((l) => l.key));
    byId(p + '-summary').textContent = [
      tr.plural(lots.length, fw ? 'lot made from it' : 'lot it was made from', fw ? 'lots made from it' : 'lots it was made from'),
      tr.plural(parties.length, fw ? 'customer reached' : 'supplier', fw ? 'customers reached' : 'suppliers'),
      tr.plural(events.length, 'event', 'events'),
    ].join(' · ');
    tr.fill(p + '-lots', lots.map((l) => lotRow(reg, l)));
    tr.fill(p + '-parties', parties.map(partyRow));
    tr.fill(p + '-events', events.map((e) => eventRow(reg, e, inTrace)));
    byId(p + '-places').textContent = (t.locations || []).map((g) => tr.placeName(reg, g)).join(', ') || '—';
    byId(p + '-exports').replaceChildren(tr.exportLinks([...inTrace]));
  }

  // ---- recall report ----

  function shippedRow(reg, s) {
    const row = el('tr', 'shipped');
    row.dataset.gln = s.to;
    row.dataset.lot = s.lot;
    const [, gtin, code] = /^\(01\)(\d{14})\(10\)(.*)$/.exec(s.lot) || [null, '', s.lot];
    const who = tr.rowHead('customer', s.name || tr.placeName(reg, s.to));
    who.append(el('span', 'gln', s.to));
    row.append(who, tr.lotCell(reg, gtin, code, false), el('td', 'num quantity', tr.fmtNum(s.quantity)),
      el('td', 'unit', s.unit), el('td', 'num shipments', s.shipments), el('td', 'last', ls.fmtTime(s.last)));
    return row;
  }

  function onHandRow(reg, st) {
    const row = el('tr', 'on-hand');
    row.dataset.lot = st.lot;
    row.append(tr.whereCell(reg, st, true), tr.lotCell(reg, st.gtin, st.code, false), el('td', 'num quantity', tr.fmtNum(st.quantity)),
      el('td', 'unit', st.unit), el('td', 'expiry', tr.fmtDate(st.expiry)));
    return row;
  }

  function renderRecall(reg, r) {
    const lots = r.lots || [], shipped = r.shipped || [], onHand = r.on_hand || [];
    const customers = new Set(shipped.map((s) => s.to));
    byId('recall-lots-count').textContent = String(lots.length);
    byId('recall-customers-count').textContent = String(customers.size);
    byId('recall-shipped-total').textContent = tr.fmtTotals(r.shipped_total);
    byId('recall-onhand-total').textContent = tr.fmtTotals(r.on_hand_total);
    tr.fill('recall-lots', lots.map((l) => {
      const row = el('tr', 'affected');
      row.dataset.lot = l.key;
      row.append(tr.lotCell(reg, l.lot.gtin, l.lot.lot, true), el('td', 'num depth', l.depth),
        el('td', 'expiry', tr.fmtDate(l.lot.expiry)));
      return row;
    }));
    tr.fill('recall-shipped', shipped.map((s) => shippedRow(reg, s)));
    tr.fill('recall-onhand', onHand.map((st) => onHandRow(reg, st)));
    byId('recall-shipped-foot').textContent = tr.fmtTotals(r.shipped_total);
    byId('recall-onhand-foot').textContent = tr.fmtTotals(r.on_hand_total);
    byId('recall-exports').replaceChildren(tr.exportLinks(lots.map((l) => l.key)));
  }

  // ---- search ----

  function showError(msg) {
    const box = byId('trace-error');
    box.textContent = msg;
    box.hidden = !msg;
  }

  async function search(key) {
    const mine = ++seq;
    showError('');
    byId('trace-status').textContent = 'Tracing ' + key + '…';
    byId('trace-result').setAttribute('aria-busy', 'true');
    const q = '?lot=' + encodeURIComponent(key);
    try {
      const regP = tr.registry().catch(() => tr.noRegistry);
      const [fw, bw, rec, reg] = await Promise.all([getJSON('/api/trace/forward' + q),
        getJSON('/api/trace/backward' + q), getJSON('/api/recall' + q), regP]);
      if (mine !== seq) return;
      const self = (fw.lots || []).find((l) => l.depth === 0) || { key, lot: {} };
      byId('trace-subject-code').textContent = self.lot.lot || key;
      byId('trace-subject-product').textContent = tr.productName(reg, self.lot.gtin);
      byId('trace-subject-key').textContent = self.key;
      byId('trace-subject-expiry').textContent = tr.fmtDate(self.lot.expiry);
      byId('trace-subject-size').textContent = self.lot.quantity ? tr.fmtQty(self.lot.quantity, self.lot.unit) : '—';
      byId('trace-result').dataset.lot = self.key;
      renderTrace(reg, fw);
      renderTrace(reg, bw);
      renderRecall(reg, rec);
      byId('trace-result').hidden = false;
      byId('trace-status').textContent = 'Traced ' + self.key + '.';
    } catch (e) {
      if (mine !== seq) return;
      byId('trace-status').textContent = '';
      byId('trace-result').hidden = true;
      let msg = 'Could not trace ' + key + ': ' + e.message;
      if (/no such endpoint/.test(e.message)) msg = 'Traceability is not set up on this server (no traceability record).';
      else if (/not found/.test(e.message)) msg = 'The traceability record has no lot ' + key + '.';
      showError(msg);
    } finally {
      if (mine === seq) byId('trace-result').removeAttribute('aria-busy');
    }
  }

  // traceLot shows a lot's trace (the lots table, the lot detail and trace rows call
  // it): the traceability panel opens on its forward trace.
  ls.traceLot = async function (key) {
    byId('trace-lot').value = key;
    byId('trace-gtin').value = '';
    byId('trace-code').value = '';
    selectTop('tab-trace');
    selectView('tab-trace-forward');
    byId('trace-panel').scrollIntoView({ block: 'start' });
    await search(key);
    if (!byId('trace-result').hidden) byId('trace-subject').focus();
  };

  function init() {
    selectTop = tr.tabs(byId('trace-tabs'), (tab) => {
      if (tab.id === 'tab-pick') ls.showPick();
      if (tab.id === 'tab-near') ls.showNearExpiry();
    });
    selectView = tr.tabs(byId('trace-view-tabs'));
    byId('trace-subject').tabIndex = -1;
    byId('trace-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      let key;
      try {
        key = lotKeyOf();
      } catch (e) {
        showError(e.message);
        return;
      }
      search(key);
    });
  }

  init();
})();
