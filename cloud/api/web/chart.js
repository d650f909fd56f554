// lotsense dashboard: a lot's temperature chart, an SVG drawn here (no library): time
// and value axes, one line per location and sensor, the rules' limits as lines, the
// excursions as shaded bands.
'use strict';

(function () {
  const ls = window.lotsense = window.lotsense || {};
  const NS = 'http://www.w3.org/2000/svg';
  const W = 800, H = 300, L = 52, R = 12, T = 12, B = 34;
  const COLOURS = ['#1f5fbf', '#1e6b3a', '#8a3ffc', '#b45f06', '#007d79', '#9f1853', '#4d5358'];

  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  // niceTicks returns about n round values covering [lo, hi].
  function niceTicks(lo, hi, n) {
    const span = hi - lo || 1;
    const raw = span / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step / 1e6; v += step) out.push(Math.round(v / step) * step);
    return out;
  }

  function timeLabel(ms, span) {
    const d = new Date(ms);
    const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    if (span < 36 * 3600 * 1000) return hm;
    return d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + (span < 7 * 86400 * 1000 ? ' ' + hm : '');
  }

  // series groups a lot's good temperature readings by location and sensor, each in
  // time order.
  function series(readings) {
    const by = new Map();
    for (const r of readings) {
      if (r.quantity !== 'temperature' || r.quality === 'bad' || r.quality === 'unavailable') continue;
      const t = Date.parse(r.time);
      if (isNaN(t) || !isFinite(r.value)) continue;
      const key = (r.location || '?') + ' / ' + r.sensor;
      if (!by.has(key)) by.set(key, []);
      by.get(key).push({ t, v: r.value });
    }
    return [...by.entries()].map(([key, pts]) => ({ key, pts: pts.sort((a, b) => a.t - b.t) }))
      .sort((a, b) => a.pts[0].t - b.pts[0].t);
  }

  // tempChart returns a figure with the chart of readings and excursions, or null when
  // there is no temperature reading to draw.
  ls.tempChart = function (readings, excursions) {
    const lines = series(readings || []);
    if (lines.length === 0) return null;
    const exc = (excursions || []).filter((e) => !e.retracted);
    let t0 = Infinity, t1 = -Infinity, v0 = Infinity, v1 = -Infinity;
    for (const s of lines) {
      for (const p of s.pts) {
        t0 = Math.min(t0, p.t); t1 = Math.max(t1, p.t);
        v0 = Math.min(v0, p.v); v1 = Math.max(v1, p.v);
      }
    }
    const limits = [...new Set(exc.map((e) => e.limit).filter((v) => isFinite(v)))];
    for (const v of limits) { v0 = Math.min(v0, v); v1 = Math.max(v1, v); }
    if (t1 === t0) { t0 -= 60000; t1 += 60000; }
    const pad = Math.max((v1 - v0) * 0.08, 0.5);
    v0 -= pad; v1 += pad;
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const y = (v) => T + (1 - (v - v0) / (v1 - v0)) * (H - T - B);
    const clampX = (t) => Math.min(Math.max(x(t), L), W - R);

    const svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img',
      'aria-label': 'Temperature of the lot over time' });
    // Excursions first, under everything.
    for (const e of exc) {
      const b = Date.parse(e.began);
      const end = e.ended ? Date.parse(e.ended) : t1;
      if (isNaN(b)) continue;
      const xa = clampX(b), xb = clampX(end);
      svg.append(svgEl('rect', { class: 'excursion-band' + (e.ended ? '' : ' open'), x: xa, y: T,
        width: Math.max(xb - xa, 2), height: H - T - B, 'data-excursion': e.id }));
    }
    // Axes with ticks and grid lines.
    const axes = svgEl('g', { class: 'axes' });
    for (const v of niceTicks(v0, v1, 5)) {
      axes.append(svgEl('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
        svgEl('text', { class: 'tick value-tick', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, v + ' °C'));
    }
    const tTicks = niceTicks(t0, t1, 5).filter((t) => t >= t0 && t <= t1);
    for (const t of tTicks) {
      axes.append(svgEl('line', { class: 'grid', x1: x(t), x2: x(t), y1: T, y2: H - B }),
        svgEl('text', { class: 'tick time-tick', x: x(t), y: H - B + 18, 'text-anchor': 'middle' }, timeLabel(t, t1 - t0)));
    }
    axes.append(svgEl('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }),
      svgEl('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
    svg.append(axes);
    for (const v of limits) {
      svg.append(svgEl('line', { class: 'limit', x1: L, x2: W - R, y1: y(v), y2: y(v), 'data-limit': v }),
        svgEl('text', { class: 'limit-label', x: W - R - 4, y: y(v) - 4, 'text-anchor': 'end' }, 'limit ' + v + ' °C'));
    }
    const legend = ls.el('ul', 'chart-legend');
    lines.forEach((s, i) => {
      const colour = COLOURS[i % COLOURS.length];
      const pts = s.pts.map((p) => x(p.t).toFixed(1) + ',' + y(p.v).toFixed(1)).join(' ');
      const line = svgEl('polyline', { class: 'series', points: pts, stroke: colour, 'data-series': s.key });
      line.append(svgEl('title', {}, s.key));
      svg.append(line);
      const item = ls.el('li', 'legend-item');
      const swatch = ls.el('span', 'swatch');
      swatch.setAttribute('data-colour', String(i % COLOURS.length));
      item.append(swatch, ls.el('span', 'legend-label', s.key + ' (' + s.pts.length + ')'));
      legend.append(item);
    });
    const fig = ls.el('figure', 'chart-figure');
    fig.append(svg, legend);
    return fig;
  };
})();
