// lotsense dashboard: helpers shared by its scripts (window.lotsense). Every piece of
// data reaches the page through textContent, never innerHTML.
'use strict';

(function () {
  const ls = window.lotsense = window.lotsense || {};
  ls.csrf = ''; // the session's CSRF token (GET /api/session), sent on every change
  ls.role = ''; // the signed-in user's role

  ls.byId = (id) => document.getElementById(id);

  ls.el = function (tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };

  ls.fmtTime = function (s) {
    if (!s) return '';
    const d = new Date(s);
    return isNaN(d.getTime()) ? String(s) : d.toLocaleString();
  };

  ls.timeEl = function (className, s) {
    const t = ls.el('time', className, ls.fmtTime(s));
    if (s) t.dateTime = s;
    return t;
  };

  // unit writes a UCUM unit (as readings carry it) for people.
  const UNITS = { Cel: '°C', '%RH': '% RH' };
  ls.unit = (u) => UNITS[u] || u || '';

  ls.joinPlace = (site, location) => [site, location].filter(Boolean).join(' / ');

  // fmtDuration writes seconds as "2 h 5 min", "4 min 10 s" or "12 s".
  ls.fmtDuration = function (sec) {
    sec = Math.round(Number(sec) || 0);
    const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    if (h > 0) return h + ' h ' + m + ' min';
    if (m > 0) return m + ' min' + (s ? ' ' + s + ' s' : '');
    return s + ' s';
  };

  // atLeast says whether the signed-in user's role includes role.
  const ranks = { viewer: 1, operator: 2, qa: 3, admin: 4 };
  ls.atLeast = (role) => (ranks[ls.role] || 0) >= (ranks[role] || 99);

  ls.statusBadge = (status) => ls.el('span', 'badge status status-' + status, String(status).replace(/_/g, ' '));

  // toLogin shows the sign-in page: the session has ended or never began.
  ls.toLogin = () => location.replace('/login');

  ls.getJSON = async function (url) {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    return ls.readJSON(res);
  };

  // send makes a state-changing request (POST, PUT, PATCH, DELETE) with the session's
  // CSRF token, and a JSON body when body is given; it returns the JSON answer, if any.
  ls.send = async function (method, url, body) {
    const headers = { Accept: 'application/json', 'X-CSRF-Token': ls.csrf };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return ls.readJSON(await fetch(url, init));
  };

  // readJSON returns a response's JSON, or throws with the API's error message; a 401
  // means the session is gone: the sign-in page takes over.
  ls.readJSON = async function (res) {
    if (res.status === 401) {
      ls.toLogin();
      throw new Error('signed out');
    }
    if (!res.ok) {
      let msg = res.status + ' ' + res.statusText;
      try {
        const body = await res.json();
        if (body && body.error) msg = body.error;
      } catch (e) { /* not JSON */ }
      throw new Error(msg);
    }
    if (res.status === 204) return null;
    return res.json();
  };
})();
