// lotsense dashboard: the warehouse planner's views — a FEFO pick suggestion (lines to
// pick, lots skipped and why, the shortfall) and stock near expiry.
// Every piece of data reaches the page through textContent, never innerHTML.
'use strict';

(function () {
  const ls = window.lotsense;
  const tr = ls.trace;
  const { byId, el, getJSON } = ls;

  let pickSeq = 0;
  let nearSeq = 0;
  let nearShown = false;

  function showError(id, msg) {
    byId(id).textContent = msg;
    byId(id).hidden = !msg;
  }

  function notSetUp(e) {
    return /no such endpoint/.test(e.message) ? 'Traceability is not set up on this server (no traceability record).' : e.message;
  }

  function option(value, text) {
    const o = el('option', '', text);
    o.value = value;
    return o;
  }

  // ---- FEFO pick ----

  // fillPickForm lists the products and customers of the registry, keeping choices.
  async function fillPickForm() {
    const reg = await tr.registry();
    const gtin = byId('pick-gtin'), cust = byId('pick-customer');
    const keepG = gtin.value, keepC = cust.value;
    gtin.replaceChildren(option('', 'Choose a product…'),
      ...reg.products.map((p) => option(p.gtin, (p.description || p.gtin) + ' · ' + p.gtin)));
    const customers = reg.places.filter((p) => p.kind === 'customer');
    cust.replaceChildren(option('', 'None (no shelf-life minimum)'),
      ...customers.map((c) => option(c.gln, (c.name || c.gln) +
        (c.min_shelf_life_days ? ' · wants ≥ ' + c.min_shelf_life_days + ' days' : ''))));
    gtin.value = keepG;
    cust.value = keepC;
  }

  ls.showPick = async function () {
    if (!byId('pick-at').value) byId('pick-at').value = tr.today();
    try {
      await fillPickForm();
      showError('pick-error', '');
    } catch (e) {
      showError('pick-error', 'Could not load products and customers: ' + notSetUp(e));
    }
  };

  function pickRow(reg, line, i) {
    const row = el('tr', 'pick-line');
    row.dataset.lot = line.lot;
    row.append(el('td', 'num seq', i + 1), tr.lotCell(reg, line.gtin, line.code, true), el('td', 'expiry', tr.fmtDate(line.expiry)),
      el('td', 'num days-left', line.expiry ? line.days_left || 0 : '—'), tr.whereCell(reg, line),
      el('td', 'num available', tr.fmtQty(line.quantity, line.unit)), el('td', 'num take', tr.fmtNum(line.take)),
      el('td', 'unit', line.unit));
    return row;
  }

  function skipRow(reg, s) {
    const row = el('tr', 'skipped reason-' + (/^[a-z_]+$/.test(s.reason) ? s.reason : 'other'));
    row.dataset.lot = s.lot;
    row.append(tr.lotCell(reg, s.gtin, s.code, true), el('td', 'expiry', tr.fmtDate(s.expiry)), tr.whereCell(reg, s),
      el('td', 'num quantity', tr.fmtQty(s.quantity, s.unit)), el('td', 'reason', s.reason.replace(/_/g, ' ')));
    return row;
  }

  async function pick(ev) {
    ev.preventDefault();
    const mine = ++pickSeq;
    const gtin = byId('pick-gtin').value, qty = byId('pick-quantity').value.trim(), unit = byId('pick-unit').value.trim();
    if (!gtin || !(Number(qty) > 0)) {
      showError('pick-error', 'Choose a product and a quantity above 0.');
      return;
    }
    const q = new URLSearchParams({ gtin, quantity: qty });
    if (unit) q.set('unit', unit);
    if (byId('pick-customer').value) q.set('customer', byId('pick-customer').value);
    if (byId('pick-at').value) q.set('at', byId('pick-at').value);
    byId('pick-submit').disabled = true;
    try {
      const regP = tr.registry().catch(() => tr.noRegistry);
      const [p, reg] = await Promise.all([getJSON('/api/fefo?' + q), regP]);
      if (mine !== pickSeq) return;
      const lines = p.lines || [], skipped = p.skipped || [];
      const picked = lines.reduce((n, l) => n + l.take, 0);
      const u = unit || (lines[0] || skipped[0] || {}).unit || '';
      tr.fill('pick-lines', lines.map((l, i) => pickRow(reg, l, i)));
      tr.fill('pick-skipped', skipped.map((s) => skipRow(reg, s)));
      byId('pick-summary').textContent = tr.plural(lines.length, 'line', 'lines') + ', ' +
        tr.fmtQty(picked, u) + ' of ' + tr.fmtQty(Number(qty), u) + ' found' +
        (skipped.length ? '; ' + tr.plural(skipped.length, 'lot', 'lots') + ' skipped' : '') + '.';
      const short = byId('pick-short');
      short.textContent = p.short > 0 ? 'Short by ' + tr.fmtQty(p.short, u) : 'Nothing short';
      short.classList.toggle('is-short', p.short > 0);
      byId('pick-result').hidden = false;
      showError('pick-error', '');
    } catch (e) {
      if (mine !== pickSeq) return;
      byId('pick-result').hidden = true;
      showError('pick-error', 'Could not suggest a pick: ' + notSetUp(e));
    } finally {
      byId('pick-submit').disabled = false;
    }
  }

  // onProduct fills the unit with the product's own.
  async function onProduct() {
    try {
      const p = (await tr.registry()).product(byId('pick-gtin').value);
      if (p && p.unit) byId('pick-unit').value = p.unit;
    } catch (e) { /* the unit stays as typed */ }
  }

  // ---- near expiry ----

  function nearRow(reg, n, first) {
    const row = el('tr', 'near bucket-' + n.bucket + (n.bucket === first ? ' soonest' : ''));
    row.dataset.lot = n.lot;
    const within = el('td', 'bucket');
    within.append(el('span', 'badge', '≤ ' + n.bucket + ' days'));
    const act = el('td', 'actions');
    act.append(tr.traceButton(n.lot, n.code));
    row.append(within, tr.lotCell(reg, n.gtin, n.code, true), el('td', 'expiry', tr.fmtDate(n.expiry)),
      el('td', 'num days-left', n.days_left), el('td', 'num quantity', tr.fmtQty(n.quantity, n.unit)), tr.whereCell(reg, n), act);
    return row;
  }

  async function near(ev) {
    if (ev) ev.preventDefault();
    const mine = ++nearSeq;
    const buckets = byId('near-buckets').value.replace(/\s+/g, '');
    if (!/^\d+(,\d+)*$/.test(buckets)) {
      showError('near-error', 'Buckets are days separated by commas, such as 30,60,90.');
      return;
    }
    const q = new URLSearchParams({ buckets });
    if (byId('near-at').value) q.set('at', byId('near-at').value);
    try {
      const regP = tr.registry().catch(() => tr.noRegistry);
      const [list, reg] = await Promise.all([getJSON('/api/expiry/near?' + q), regP]);
      if (mine !== nearSeq) return;
      const first = Math.min(...buckets.split(',').map(Number));
      tr.fill('near-table', list.map((n) => nearRow(reg, n, first)));
      byId('near-table').dataset.at = q.get('at') || '';
      byId('near-count').textContent = tr.plural(list.length, 'lot and place', 'lots and places');
      showError('near-error', '');
    } catch (e) {
      if (mine !== nearSeq) return;
      showError('near-error', 'Could not load stock near expiry: ' + notSetUp(e));
    }
  }

  ls.showNearExpiry = function () {
    if (!byId('near-at').value) byId('near-at').value = tr.today();
    if (!nearShown) {
      nearShown = true;
      near();
    }
  };

  byId('pick-form').addEventListener('submit', pick);
  byId('pick-gtin').addEventListener('change', onProduct);
  byId('near-form').addEventListener('submit', near);
})();
