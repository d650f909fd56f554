// lotsense sign-in page: posts the user name and password as JSON to /api/login,
// which sets the session cookie; then opens the dashboard. No inline code (CSP).
'use strict';

(function () {
  const form = document.getElementById('login-form');
  const errBox = document.getElementById('login-error');
  const submit = document.getElementById('login-submit');

  function showError(msg) {
    errBox.textContent = msg;
    errBox.hidden = false;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    if (!username || !password) {
      showError('Enter your user name and password.');
      return;
    }
    submit.disabled = true;
    errBox.hidden = true;
    try {
      const res = await fetch('/api/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ username, password }),
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (res.ok) {
        location.replace('/');
        return;
      }
      let msg = res.status + ' ' + res.statusText;
      try {
        const body = await res.json();
        if (body && body.error) msg = body.error;
      } catch (e) { /* not JSON */ }
      if (res.status === 401) msg = 'Wrong user name or password.';
      showError(msg);
      form.elements.password.value = '';
      form.elements.password.focus();
    } catch (e) {
      showError('Could not reach lotsense: ' + e.message);
    } finally {
      submit.disabled = false;
    }
  });
}());
