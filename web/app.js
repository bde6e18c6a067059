// fbvncd's browser client: noVNC's RFB class on a full-window canvas.
import RFB from './core/rfb.js';
import { Typist, attachField } from './keyboard.js';

const $ = (id) => document.getElementById(id);
try { sessionStorage.removeItem('fbvncd.loadTries'); } catch { /* nothing kept */ }
const screen = $('screen');
const status = $('status');
let rfb = null;
// The password of a #password= link (or the one typed) is kept for this tab
// only (a reload logs in again) and taken off the address bar, so history
// and bookmarks do not keep it.
const PASSWORD_KEY = 'fbvncd.password';
let password = new URLSearchParams(location.hash.slice(1)).get('password');
if (password !== null) {
  history.replaceState(null, '', location.pathname + location.search);
  keepPassword(password);
} else {
  try { password = sessionStorage.getItem(PASSWORD_KEY); } catch { /* storage off: ask */ }
}
let retryDelay = 1000;
// A board that reboots is back within a minute: tries 8 s apart at most.
const MAX_RETRY_DELAY = 8000;
let retryTimer = null;
let authFailed = false;
// This connection was asked for a password (a security failure is then a
// wrong password; without one it is the server refusing, e.g. when full).
let askedPassword = false;
let refusal = '';
let fit = true;
// At 1:1, dragging moves the view instead of the board's pointer (a phone
// has no scrollbars, and its swipes go to the board).
let moving = false;
let desktop = '';
// JPEG quality level for photo-like areas while they change (the menu's
// levels; the server makes them exact once still), kept in this browser.
const QUALITY_KEY = 'fbvncd.quality';
const QUALITY_LEVELS = [9, 6, 2];
let quality = savedQuality();

function setStatus(text, error = false) {
  status.textContent = text;
  status.classList.toggle('error', error);
}

function wsUrl() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/websockify`;
}

function connect() {
  retryTimer = null;
  setStatus('Connecting…');
  askedPassword = false;
  refusal = '';
  // The password goes when asked for (below), so the page knows it was.
  rfb = new RFB(screen, wsUrl());
  rfb.scaleViewport = fit;
  rfb.clipViewport = moving;
  rfb.dragViewport = moving;
  rfb.focusOnClick = true;
  rfb.qualityLevel = quality;
  rfb.addEventListener('connect', () => {
    retryDelay = 1000;
    authFailed = false;
    $('login').hidden = true;
    setStatus(desktop ? `Connected to ${desktop}` : 'Connected');
    if (desktop) document.title = `${desktop} — fbvncd`;
    // Keys go to the board at once, not after a click that would also
    // reach it (unless the user is typing in one of the page's fields).
    const typing = document.activeElement === $('kbd-input') || !$('paste').hidden;
    if (!typing) rfb.focus();
  });
  rfb.addEventListener('desktopname', (e) => {
    desktop = e.detail.name;
    document.title = `${desktop} — fbvncd`;
    // fbvncd names a session whose keys go nowhere "NAME (view only)":
    // no buttons that would only type into the void.
    const viewOnly = desktop.endsWith(' (view only)');
    for (const id of ['keyboard', 'paste-toggle', 'cad']) $(id).hidden = viewOnly;
    if (viewOnly) $('paste').hidden = true;
  });
  rfb.addEventListener('credentialsrequired', () => {
    askedPassword = true;
    if (password && !authFailed) {
      sendPassword();
      return;
    }
    showLogin();
  });
  rfb.addEventListener('securityfailure', (e) => {
    if (!askedPassword) {
      refusal = e.detail.reason || 'refused';
      return;
    }
    authFailed = true;
    keepPassword(null);
    setStatus(`Authentication failed${e.detail.reason ? ': ' + e.detail.reason : ''}`, true);
  });
  rfb.addEventListener('disconnect', () => {
    rfb = null;
    if (authFailed) {
      showLogin();
      return;
    }
    const why = refusal ? `Refused by the server: ${refusal}` : 'Disconnected';
    // A tab in the background shows the drop too.
    document.title = `${why} — ${desktop || 'fbvncd'}`;
    setStatus(`${why}; retrying in ${Math.round(retryDelay / 1000)} s`, true);
    retryTimer = setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY);
  });
}

// A user who comes back to the tab (or whose link comes back) need not
// wait out the delay.
function retryNow() {
  if (retryTimer === null || document.hidden) return;
  clearTimeout(retryTimer);
  connect();
}
window.addEventListener('focus', retryNow);
window.addEventListener('online', retryNow);
document.addEventListener('visibilitychange', retryNow);

// After wrong passwords the server answers ever more slowly (1 s, 2 s,
// 4 s…): the page says what it waits for.
function sendPassword() {
  setStatus('Checking the password…');
  rfb.sendCredentials({ password });
}

function keepPassword(value) {
  try {
    if (value === null) sessionStorage.removeItem(PASSWORD_KEY);
    else sessionStorage.setItem(PASSWORD_KEY, value);
  } catch { /* storage off: asked again after a reload */ }
}

function showLogin() {
  $('login').hidden = false;
  $('password').value = '';
  $('password').focus();
  if (!authFailed) setStatus('Password required');
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  password = $('password').value;
  keepPassword(password);
  authFailed = false;
  $('login').hidden = true;
  if (rfb) {
    sendPassword();
  } else if (!retryTimer) {
    connect();
  }
});

function savedQuality() {
  try {
    const q = Number(localStorage.getItem(QUALITY_KEY) ?? NaN);
    if (QUALITY_LEVELS.includes(q)) return q;
  } catch { /* storage off (private mode): the default */ }
  return 6;
}

$('quality').value = String(quality);
$('quality').addEventListener('change', () => {
  quality = Number($('quality').value);
  try { localStorage.setItem(QUALITY_KEY, String(quality)); } catch { /* not kept */ }
  // Sent at once (a better level: fbvncd sends the picture again); keys
  // go to the board again, not to the menu.
  if (rfb) {
    rfb.qualityLevel = quality;
    rfb.focus();
  }
});

// After a toolbar button, keys go to the board again: not to the button
// (where Space would press it again).
function backToBoard() {
  if (rfb) rfb.focus();
}

$('scale').addEventListener('click', () => {
  fit = !fit;
  $('scale').textContent = fit ? 'Fit' : '1:1';
  screen.classList.toggle('one-to-one', !fit);
  $('move').hidden = fit;
  if (fit) setMoving(false);
  if (rfb) rfb.scaleViewport = fit;
  backToBoard();
});

// noVNC moves the view only when it shows a part of the screen itself
// (clipping); the browser's scrollbars do it otherwise.
function setMoving(on) {
  moving = on;
  $('move').setAttribute('aria-pressed', String(on));
  $('move').classList.toggle('on', on);
  if (rfb) {
    rfb.clipViewport = on;
    rfb.dragViewport = on;
  }
}

$('move').addEventListener('click', () => {
  setMoving(!moving);
  backToBoard();
});

// Not every browser can show an element full screen (Safari on an iPhone).
if (document.fullscreenEnabled && document.documentElement.requestFullscreen) {
  $('fullscreen').addEventListener('click', () => {
    const done = document.fullscreenElement
      ? document.exitFullscreen()
      : document.documentElement.requestFullscreen();
    done.catch(() => {}).finally(backToBoard);
  });
} else {
  $('fullscreen').hidden = true;
}

$('cad').addEventListener('click', () => {
  if (rfb && confirm('Send Ctrl-Alt-Del? On a Linux console this reboots the board.')) rfb.sendCtrlAltDel();
  backToBoard();
});

const typist = new Typist(() => rfb);

$('paste-toggle').addEventListener('click', () => {
  $('paste').hidden = !$('paste').hidden;
  if (!$('paste').hidden) $('paste-text').focus();
});

$('paste').addEventListener('submit', (e) => {
  e.preventDefault();
  typist.type($('paste-text').value);
  $('paste').hidden = true;
  backToBoard();
});

// Phones: focusing a hidden input brings up the on-screen keyboard.
const kbd = $('kbd-input');
$('keyboard').addEventListener('click', () => kbd.focus());
attachField(kbd, typist);

connect();
