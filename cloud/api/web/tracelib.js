// lotsense dashboard: helpers of the traceability views (trace.js, pick.js) — the
// registry of products and places, quantities and dates, tabs, export links.
// Every piece of data reaches the page through textContent, never innerHTML.
'use strict';

(function () {
  const ls = window.lotsense = window.lotsense || {};
  const { el, getJSON } = ls;
  const REGISTRY_MS = 60000; // the registry is fetched again when older than this
  const tr = ls.trace = {};

  // ---- registry: products by GTIN, places and parties by GLN ----

  let registry = null;
  let registryAt = 0;

  // registry returns {products, places, product(gtin), place(gln)}, fetched once a
  // minute at most; a failed fetch is tried again next time.
  tr.registry = function () {
    if (registry && Date.now() - registryAt < REGISTRY_MS) return registry;
    registryAt = Date.now();
    const p = Promise.all([getJSON('/api/products'), getJSON('/api/places')]).then(([products, places]) => {
      const byGTIN = new Map((products || []).map((p) => [p.gtin, p]));
      const byGLN = new Map((places || []).map((p) => [p.gln, p]));
      return {
        products: products || [],
        places: places || [],
        product: (gtin) => byGTIN.get(gtin) || null,
        place: (gln) => byGLN.get(gln) || null,
      };
    });
    p.catch(() => {
      if (registry === p) registry = null;
    });
    registry = p;
    return p;
  };

  // noRegistry stands in when the registry could not be read: GLNs and GTINs are shown
  // as they are.
  tr.noRegistry = { products: [], places: [], product: () => null, place: () => null };

  // placeName is a place's or party's registered name, else its GLN (or site/key).
  tr.placeName = (reg, gln) => {
    if (!gln) return '';
    const p = reg.place(gln);
    return p && p.name ? p.name : gln;
  };

  // whereCell shows where stock is: the place's name, with the lotsense site under it
  // unless the place is the site itself.
  tr.whereCell = (reg, st, head) => {
    const cell = head ? tr.rowHead('place', tr.placeName(reg, st.location)) : el('td', 'place', tr.placeName(reg, st.location));
    const p = reg.place(st.location);
    if (st.site && !(p && p.kind === 'site')) cell.append(el('span', 'site', st.site));
    return cell;
  };

  tr.productName = (reg, gtin) => {
    const p = reg.product(gtin);
    return p && p.description ? p.description : '';
  };

  // ---- numbers, dates ----

  tr.fmtNum = (n) => {
    const v = Number(n) || 0;
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  };

  tr.fmtQty = (q, unit) => tr.fmtNum(q) + (unit ? ' ' + unit : '');

  // fmtTotals writes {"EA": 520, "KGM": 3} as "520 EA, 3 KGM".
  tr.fmtTotals = (totals) => {
    const parts = Object.keys(totals || {}).sort().map((u) => tr.fmtQty(totals[u], u));
    return parts.length ? parts.join(', ') : 'none';
  };

  // fmtDate writes a civil date (the API sends it as UTC midnight) as YYYY-MM-DD.
  tr.fmtDate = (s) => (s ? String(s).slice(0, 10) : '—');

  // today is the browser's local date as YYYY-MM-DD, for date fields.
  tr.today = () => {
    const d = new Date();
    const pad = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  };

  tr.plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);

  // ---- tables ----

  // fill puts rows in table id's body; the element id-empty shows when there are none.
  tr.fill = (id, rows) => {
    const table = ls.byId(id);
    table.tBodies[0].replaceChildren(...rows);
    table.hidden = rows.length === 0;
    const empty = ls.byId(id + '-empty');
    if (empty) empty.hidden = rows.length > 0;
  };

  tr.rowHead = (className, text) => {
    const th = el('th', className, text);
    th.scope = 'row';
    return th;
  };

  // lotCell shows a lot's code, with its GTIN and product under it.
  tr.lotCell = (reg, gtin, code, head) => {
    const cell = head ? tr.rowHead('lot') : el('td', 'lot');
    cell.append(el('span', 'lot-code', code));
    const name = tr.productName(reg, gtin);
    cell.append(el('span', 'lot-product', name ? name + ' · ' + gtin : gtin));
    return cell;
  };

  // traceButton opens the trace of a lot (trace.js's ls.traceLot).
  tr.traceButton = (key, label) => {
    const b = el('button', 'trace-btn', 'Trace');
    b.type = 'button';
    b.dataset.lot = key;
    b.setAttribute('aria-label', 'Trace ' + (label || key));
    b.addEventListener('click', () => ls.traceLot(key));
    return b;
  };

  // ---- export links (FSMA 204 sortable spreadsheet, EPCIS 2.0 JSON-LD) ----

  // exportLinks links the exports of the events of lots (keys); the server names the
  // downloaded files. The CSV form is a zip of one CSV per event type.
  tr.exportLinks = (keys) => {
    const q = keys.map((k) => 'lot=' + encodeURIComponent(k)).join('&');
    const box = el('span', 'export-links');
    const link = (cls, text, href) => {
      const a = el('a', 'export ' + cls, text);
      a.href = href;
      return a;
    };
    box.append(
      link('fsma-xlsx', 'FSMA 204 spreadsheet (XLSX)', '/api/fsma204.xlsx?' + q),
      link('fsma-csv', 'FSMA 204 (CSV, zip)', '/api/fsma204.zip?' + q),
      link('epcis', 'EPCIS 2.0 (JSON-LD)', '/api/epcis/events?' + q));
    return box;
  };

  // ---- tabs (WAI-ARIA tabs: arrow keys move between them) ----

  // tabs wires a role=tablist: each tab shows its aria-controls panel; onSelect(tab)
  // runs when a tab is chosen. It returns select(tabId).
  tr.tabs = (list, onSelect) => {
    const tabs = [...list.querySelectorAll('[role="tab"]')];
    const select = (tab, focus) => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute('aria-selected', on ? 'true' : 'false');
        t.tabIndex = on ? 0 : -1;
        ls.byId(t.getAttribute('aria-controls')).hidden = !on;
      }
      if (focus) tab.focus();
      if (onSelect) onSelect(tab);
    };
    for (const t of tabs) {
      t.addEventListener('click', () => select(t, false));
      t.addEventListener('keydown', (ev) => {
        const i = tabs.indexOf(t);
        const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
        if (to === undefined) return;
        ev.preventDefault();
        select(tabs[(to + tabs.length) % tabs.length], true);
      });
    }
    return (id) => select(ls.byId(id), false);
  };
})();
