// lotsense dashboard: the cue of a new critical alert — a flashing badge, a marked
// page title and a short beep made with Web Audio (no sound file); the mute toggle is
// remembered in localStorage.
'use strict';

(function () {
  const ls = window.lotsense = window.lotsense || {};
  const MUTE_KEY = 'lotsense.mute';
  const TITLE_MARK = '(!) ';
  let audio = null;
  let pending = 0;

  function muted() {
    try { return localStorage.getItem(MUTE_KEY) === '1'; } catch (e) { return false; }
  }

  function showMute() {
    const b = ls.byId('mute');
    const m = muted();
    b.textContent = m ? 'Sound off' : 'Sound on';
    b.setAttribute('aria-pressed', String(m));
    b.classList.toggle('muted', m);
  }

  // beep plays two short tones; browsers may refuse sound before the user has touched
  // the page, which is harmless.
  function beep() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      if (!audio) audio = new Ctx();
      if (audio.state === 'suspended') audio.resume().catch(() => {});
      const now = audio.currentTime;
      [0, 0.25].forEach((at, i) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = 'square';
        osc.frequency.value = i === 0 ? 880 : 660;
        gain.gain.setValueAtTime(0.0001, now + at);
        gain.gain.exponentialRampToValueAtTime(0.2, now + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.2);
        osc.connect(gain).connect(audio.destination);
        osc.start(now + at);
        osc.stop(now + at + 0.22);
      });
      document.body.dataset.beeped = String(Number(document.body.dataset.beeped || 0) + 1);
    } catch (e) { /* no sound, the badge still flashes */ }
  }

  // critical raises the cue for a new critical alert.
  ls.cueCritical = function (a) {
    pending++;
    const cue = ls.byId('alert-cue');
    ls.byId('alert-cue-text').textContent = pending === 1
      ? 'New critical alert: ' + a.message
      : pending + ' new critical alerts';
    cue.hidden = false;
    cue.classList.add('flash');
    if (!document.title.startsWith(TITLE_MARK)) document.title = TITLE_MARK + document.title;
    if (!muted()) beep();
  };

  // clearCue: the user has seen the new alerts.
  ls.clearCue = function () {
    pending = 0;
    const cue = ls.byId('alert-cue');
    cue.hidden = true;
    cue.classList.remove('flash');
    if (document.title.startsWith(TITLE_MARK)) document.title = document.title.slice(TITLE_MARK.length);
  };

  ls.initCue = function () {
    showMute();
    ls.byId('mute').addEventListener('click', () => {
      try { localStorage.setItem(MUTE_KEY, muted() ? '0' : '1'); } catch (e) { /* private mode */ }
      showMute();
    });
    ls.byId('alert-cue-seen').addEventListener('click', () => {
      ls.clearCue();
      ls.byId('alerts-title').scrollIntoView({ block: 'start' });
    });
  };
})();
