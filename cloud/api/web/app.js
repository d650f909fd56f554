// lotsense QA dashboard: live alerts (Server-Sent Events), lots and dock-door passes,
// plain JavaScript.
// Every piece of data reaches the page through textContent, never innerHTML.
'use strict';

(function () {
  const ALERTS_SHOWN = 200;
  const DOCK_EVENTS_SHOWN = 20;
  const DOCK_LOTS_SHOWN = 5;
  const LOTS_REFRESH_MS = 10000;
  const MOVEMENTS_SHOWN = 50;
  const READINGS_SHOWN = 50;
  const CHART_READINGS = 10000; // the API's maximum: a lot's whole life at 10-s readings is more
  const STREAM_RETRY_MS = 5000;

  const seenAlerts = new Set();
  let maxAlertID = 0;
  let maxEventID = 0; // the last alert change the stream sent
  let selectedLot = null;
  let allLots = [];
  let lotsRefreshPending = null;
  const ls = window.lotsense;
  const { byId, el, fmtTime, timeEl, joinPlace, getJSON, send, statusBadge } = ls;

  // ---- session ----

  async function loadSession() {
    const me = await getJSON('/api/session');
    ls.csrf = me.csrf || '';
    ls.role = me.role;
    byId('whoami-name').textContent = me.username + ' (' + me.role + ')';
    byId('whoami').hidden = false;
    document.body.dataset.user = me.username;
    document.body.dataset.role = me.role;
  }

  async function logout() {
    try {
      await send('POST', '/api/logout');
    } catch (e) { /* signed out either way */ }
    ls.toLogin();
  }

  function setConn(state, label) {
    const c = byId('conn');
    c.textContent = label;
    c.className = 'conn conn-' + state;
    document.body.dataset.stream = state;
  }

  // ---- alerts ----

  function alertItem(a) {
    const li = el('li', 'alert severity-' + a.severity + ' state-' + a.state);
    li.dataset.alertId = String(a.id);
    li.append(
      el('span', 'badge severity', a.severity),
      el('span', 'kind', a.kind),
      el('span', 'where', joinPlace(a.site, a.location)),
      el('span', 'lot', a.lot || ''),
      el('span', 'message', a.message),
      el('span', 'count', a.count > 1 ? '×' + a.count : ''),
      el('span', 'badge state', a.state),
      timeEl('created', a.first_seen),
    );
    const actions = ls.alertActions(a);
    if (actions) li.append(actions);
    return li;
  }

  // updateAlert shows an alert's change (seen again, acknowledged, resolved) in place,
  // or at the top when it is not shown.
  function updateAlert(a) {
    if (!a || typeof a.id !== 'number') return;
    const old = byId('alerts').querySelector('li.alert[data-alert-id="' + a.id + '"]');
    if (old) old.replaceWith(alertItem(a));
    else if (addAlert(a, true)) onAlert(a);
  }

  // addAlert shows an alert once, at the top (live) or the bottom (initial list).
  function addAlert(a, atTop) {
    if (!a || typeof a.id !== 'number' || seenAlerts.has(a.id)) return false;
    seenAlerts.add(a.id);
    if (a.id > maxAlertID) maxAlertID = a.id;
    const list = byId('alerts');
    const li = alertItem(a);
    if (atTop) list.prepend(li); else list.append(li);
    while (list.children.length > ALERTS_SHOWN) list.lastElementChild.remove();
    byId('alerts-empty').hidden = true;
    return true;
  }

  function connectStream() {
    // Stream ids count alert changes; none is below its alert's id.
    const es = new EventSource('/api/alerts/stream?since=' + Math.max(maxAlertID, maxEventID));
    es.addEventListener('hello', () => setConn('live', 'live'));
    es.addEventListener('alert', (ev) => {
      let a;
      try { a = JSON.parse(ev.data); } catch (e) { return; }
      maxEventID = Math.max(maxEventID, Number(ev.lastEventId) || 0);
      if (addAlert(a, true)) onAlert(a);
    });
    es.addEventListener('alert_update', (ev) => {
      let a;
      try { a = JSON.parse(ev.data); } catch (e) { return; }
      maxEventID = Math.max(maxEventID, Number(ev.lastEventId) || 0);
      updateAlert(a);
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        // The server refused the stream (the session may have ended: loadSession
        // then shows the sign-in page); EventSource gives up, so retry by hand.
        setConn('offline', 'offline — retrying');
        loadSession().catch(() => {});
        setTimeout(connectStream, STREAM_RETRY_MS);
      } else {
        setConn('reconnecting', 'reconnecting…');
      }
    });
  }

  // onAlert: a new alert arrived live.
  function onAlert(a) {
    if (a.severity === 'critical' && a.state === 'open') ls.cueCritical(a);
    scheduleLotsRefresh();
    if (selectedLot !== null && a.lot === selectedLot) showLot(selectedLot, false);
  }

  // ---- lots ----

  function lotRow(l) {
    const tr = el('tr', 'lot');
    tr.dataset.lot = l.id;
    if (l.status === 'on_hold') tr.classList.add('row-on_hold');
    if (l.id === selectedLot) tr.classList.add('selected');
    const head = el('th');
    head.scope = 'row';
    const btn = el('button', 'lot-link', l.id);
    btn.type = 'button';
    btn.addEventListener('click', () => showLot(l.id, true));
    head.append(btn, ls.trace.traceButton(l.id, l.lot));
    const status = el('td', 'status-cell');
    status.append(statusBadge(l.status));
    const exc = el('td', l.open_excursions > 0 ? 'num open-excursions warn' : 'num open-excursions', l.open_excursions);
    tr.append(head, el('td', 'gtin', l.gtin), el('td', 'lot-code', l.lot), status,
      el('td', 'expiry', l.expiry ? l.expiry : '—'), el('td', 'location', joinPlace(l.site, l.location)), exc);
    return tr;
  }

  async function refreshLots() {
    const errBox = byId('lots-error');
    try {
      allLots = await getJSON('/api/lots');
      showLots();
      errBox.hidden = true;
    } catch (e) {
      errBox.textContent = 'Could not load lots: ' + e.message;
      errBox.hidden = false;
    }
  }

  // showLots shows the lots that match the search text (lot id, GTIN or lot code)
  // and the status filter.
  function showLots() {
    const q = byId('lots-search').value.trim().toLowerCase();
    const status = byId('lots-status').value;
    const lots = allLots.filter((l) => (!status || l.status === status) &&
      (!q || l.id.toLowerCase().includes(q) || l.gtin.includes(q) || l.lot.toLowerCase().includes(q)));
    // Keep keyboard focus on the same lot across the refresh.
    const focused = document.activeElement && document.activeElement.closest('#lots tr[data-lot]');
    const focusedLot = focused ? focused.dataset.lot : null;
    const focusedTrace = focused !== null && document.activeElement.classList.contains('trace-btn');
    const rows = lots.map(lotRow);
    byId('lots').tBodies[0].replaceChildren(...rows);
    const again = rows.find((tr) => tr.dataset.lot === focusedLot);
    if (again) again.querySelector(focusedTrace ? 'button.trace-btn' : 'button').focus();
    byId('lots-count').textContent = lots.length === allLots.length
      ? plural(lots.length, 'lot', 'lots') : lots.length + ' of ' + allLots.length + ' lots';
  }

  function scheduleLotsRefresh() {
    if (lotsRefreshPending !== null) return;
    lotsRefreshPending = setTimeout(() => {
      lotsRefreshPending = null;
      refreshLots();
    }, 100);
  }

  // ---- dock doors ----

  // Labels of a pass's direction ("" is a pallet seen at the door, not passing).
  function dirLabel(direction) {
    return direction === 'in' || direction === 'out' ? direction : 'seen';
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function lotButton(key) {
    const b = el('button', 'lot-link', key);
    b.type = 'button';
    b.dataset.lot = key;
    b.addEventListener('click', () => showLot(key, true));
    return b;
  }

  // dockSummary says what a portal event means: tags of no known lot stand out.
  function dockSummary(ev) {
    const attrs = ev.attrs || {};
    const tags = Number.parseInt(attrs.tags, 10);
    const n = Number.isNaN(tags) ? (ev.epcs || []).length : tags;
    if (attrs.unassigned === 'true') return plural(n, 'unknown tag', 'unknown tags') + ' at ' + ev.location;
    const inside = attrs.inside;
    let text;
    if (ev.type === 'receiving') text = 'Received at ' + ev.location + (inside ? ' into ' + inside : '');
    else if (ev.type === 'shipping') text = 'Shipped at ' + ev.location + (inside ? ' from ' + inside : '');
    else text = 'Seen at ' + ev.location;
    return text + ': ' + plural((ev.lots || []).length, 'lot', 'lots') + ', ' + plural(n, 'tag', 'tags');
  }

  function dockItem(ev) {
    const unknown = (ev.attrs || {}).unassigned === 'true';
    const li = el('li', 'dock-event dir-' + dirLabel(ev.direction) + (unknown ? ' unassigned' : ''));
    li.dataset.type = ev.type;
    li.dataset.door = ev.location;
    li.append(el('span', 'badge dir', dirLabel(ev.direction)), el('span', 'summary', dockSummary(ev)), timeEl('time', ev.time));
    const lots = ev.lots || [];
    if (lots.length > 0) {
      const box = el('span', 'lots');
      lots.slice(0, DOCK_LOTS_SHOWN).forEach((key) => box.append(lotButton(key)));
      if (lots.length > DOCK_LOTS_SHOWN) box.append(el('span', 'more', '+' + (lots.length - DOCK_LOTS_SHOWN) + ' more'));
      li.append(box);
    }
    return li;
  }

  async function refreshDock() {
    const errBox = byId('dock-error');
    try {
      const list = await getJSON('/api/events?type=receiving,shipping,portal_seen&limit=' + DOCK_EVENTS_SHOWN);
      byId('dock-events').replaceChildren(...list.map(dockItem));
      byId('dock-events-empty').hidden = list.length > 0;
      errBox.hidden = true;
    } catch (e) {
      errBox.textContent = 'Could not load dock-door events: ' + e.message;
      errBox.hidden = false;
    }
  }

  // ---- lot detail ----

  function fillTable(id, rows) {
    byId(id).tBodies[0].replaceChildren(...rows);
    byId(id + '-empty').hidden = rows.length > 0;
    byId(id).hidden = rows.length === 0;
  }

  function excursionRow(e) {
    const tr = el('tr', 'excursion' + (e.ended ? '' : ' open') + (e.retracted ? ' retracted' : ''));
    tr.dataset.excursion = String(e.id);
    const rule = el('td', 'rule', e.rule + (e.kind ? ' (' + e.kind + ')' : ''));
    if (e.retracted) rule.append(' ', el('span', 'badge', 'retracted'));
    tr.append(rule, el('td', 'where', joinPlace(e.site, e.location)), el('td', 'sensor', e.sensor),
      el('td', 'began', fmtTime(e.began)), el('td', 'ended', e.ended ? fmtTime(e.ended) : 'ongoing'),
      el('td', 'num peak', e.peak), el('td', 'num limit', e.limit),
      el('td', 'num beyond', e.beyond_seconds ? ls.fmtDuration(e.beyond_seconds) : '—'),
      el('td', 'num mkt', e.mkt !== undefined && e.mkt !== null ? Number(e.mkt).toFixed(2) + ' °C' : '—'));
    return tr;
  }

  function readingRow(r) {
    const tr = el('tr', 'reading');
    const value = r.unit ? r.value + ' ' + ls.unit(r.unit) : r.value;
    tr.append(el('td', '', fmtTime(r.time)), el('td', '', r.sensor), el('td', '', r.location),
      el('td', '', r.quantity), el('td', 'num', value), el('td', '', r.quality));
    return tr;
  }

  function movementRow(m) {
    const dir = dirLabel(m.direction);
    const tr = el('tr', 'movement dir-' + dir);
    let inside = '';
    if (m.inside && dir === 'in') inside = 'into ' + m.inside;
    else if (m.inside && dir === 'out') inside = 'from ' + m.inside;
    tr.append(el('td', 'time', fmtTime(m.time)), el('td', 'door', m.door), el('td', 'direction', dir),
      el('td', 'inside', inside), el('td', 'num tags', m.tags), el('td', 'read-point', m.read_point || ''));
    return tr;
  }

  function renderDetail(d) {
    const st = byId('detail-status');
    st.replaceChildren(statusBadge(d.lot.status));
    if (d.lot.status_reason) st.append(' ', el('span', 'reason', d.lot.status_reason));
    st.append(' ', el('span', 'where', joinPlace(d.lot.site, d.lot.location)));
    const chart = ls.tempChart(d.readings, d.excursions);
    byId('detail-chart').replaceChildren(...(chart ? [chart] : []));
    byId('detail-chart-empty').hidden = chart !== null;
    fillTable('detail-excursions', d.excursions.map(excursionRow));
    fillTable('detail-movements', (d.movements || []).map(movementRow));
    fillTable('detail-readings', d.readings.slice(0, READINGS_SHOWN).map(readingRow));
    ls.showDecision(d.lot);
  }

  async function showAudit(id) {
    try {
      const entries = await getJSON('/api/lots/' + encodeURIComponent(id) + '/audit');
      if (selectedLot === id) fillTable('detail-audit', ls.auditRows(entries));
    } catch (e) {
      if (selectedLot === id) {
        byId('detail-audit-empty').textContent = 'Could not load the audit trail: ' + e.message;
        fillTable('detail-audit', []);
      }
    }
  }

  async function showLot(id, focus) {
    selectedLot = id;
    for (const tr of byId('lots').tBodies[0].rows) tr.classList.toggle('selected', tr.dataset.lot === id);
    const panel = byId('detail');
    byId('detail-title').textContent = 'Lot ' + id;
    panel.hidden = false;
    if (focus) byId('detail-title').focus();
    try {
      const d = await getJSON('/api/lots/' + encodeURIComponent(id) + '?readings=' + CHART_READINGS +
        '&movements=' + MOVEMENTS_SHOWN);
      if (selectedLot === id) renderDetail(d);
      await showAudit(id);
    } catch (e) {
      if (selectedLot === id) byId('detail-status').textContent = 'Could not load the lot: ' + e.message;
    }
  }

  function closeDetail() {
    const id = selectedLot;
    selectedLot = null;
    byId('detail').hidden = true;
    for (const tr of byId('lots').tBodies[0].rows) {
      tr.classList.remove('selected');
      if (tr.dataset.lot === id) tr.querySelector('button').focus();
    }
  }

  // ---- start ----

  function refreshAll() {
    refreshLots();
    refreshDock();
    ls.refreshLocations((id) => showLot(id, true));
    ls.refreshGateways();
  }

  async function start() {
    ls.initCue();
    ls.initDecision((id) => {
      scheduleLotsRefresh();
      ls.refreshLocations((lot) => showLot(lot, true));
      if (selectedLot === id) showLot(id, false);
    });
    byId('lots-search').addEventListener('input', showLots);
    byId('lots-status').addEventListener('change', showLots);
    byId('detail-close').addEventListener('click', closeDetail);
    byId('detail-trace').addEventListener('click', () => ls.traceLot(selectedLot));
    byId('detail-title').tabIndex = -1;
    byId('logout').addEventListener('click', logout);
    try {
      await loadSession();
    } catch (e) {
      setConn('offline', 'could not load the session: ' + e.message);
      return;
    }
    try {
      const list = await getJSON('/api/alerts?limit=' + ALERTS_SHOWN);
      list.forEach((a) => addAlert(a, false));
    } catch (e) {
      setConn('offline', 'could not load alerts: ' + e.message);
    }
    connectStream();
    refreshAll();
    setInterval(refreshAll, LOTS_REFRESH_MS);
  }

  start();
})();
