// fbvncd's own page in headless Chromium: password, pixels, input, paste,
// reconnect, a phone-sized viewport. Screenshots go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync, openSync, writeSync, closeSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { patternFile, startServer, launch, until, canvasMismatches, ARTIFACTS, W, H } from './harness.js';

let browser;
let files;
let trace;
let pwFile;
const PASSWORD = 'pa55word';

before(async () => {
  browser = await launch();
  files = patternFile();
  trace = join(files.dir, 'trace');
  pwFile = join(files.dir, 'pw');
  writeFileSync(pwFile, `${PASSWORD}\n`);
});

after(async () => {
  await browser?.close();
});

function serverArgs(extra = []) {
  return ['--fb', `file:${files.fb}`, '--geometry', `${W}x${H}`, '--listen', '127.0.0.1:0',
    '--password-file', pwFile, '--input', `trace:${trace}`, ...extra];
}

async function login(page, url, password) {
  await page.goto(url);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#password', password);
  await page.press('#password', 'Enter');
}

function traceLines() {
  return existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];
}

test('asks for the password, then shows exactly the file', async () => {
  const server = await startServer(serverArgs(['--http-listen', '127.0.0.1:0']));
  try {
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    await login(page, `http://${server.http}/`, PASSWORD);
    await until('canvas equals the pattern', async () => (await canvasMismatches(page, files.fb)) === 0);
    assert.equal(await page.locator('canvas').count(), 1, "noVNC's canvas is the page's only canvas");
    await page.screenshot({ path: join(ARTIFACTS, 'browser-desktop.png') });

    // Typing (QEMU extended key events once announced), then a click.
    await page.locator('canvas').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('a');
    await until('KEY_A in the trace', () => traceLines().includes('EV_KEY KEY_A 0'));
    assert.ok(traceLines().includes('EV_KEY BTN_LEFT 1'));

    // A key whose key and code disagree, as on AZERTY: the physical key wins.
    const cdp = await page.context().newCDPSession(page);
    for (const type of ['keyDown', 'keyUp']) {
      await cdp.send('Input.dispatchKeyEvent', { type, key: 'a', code: 'KeyQ', text: type === 'keyDown' ? 'a' : undefined, windowsVirtualKeyCode: 65 });
    }
    await until('KEY_Q in the trace', () => traceLines().includes('EV_KEY KEY_Q 0'));

    // The paste box types its text one key at a time.
    await page.click('#paste-toggle');
    await page.fill('#paste-text', 'Hi!');
    await page.click('#paste button[type=submit]');
    await until('the pasted text in the trace', () => {
      const t = traceLines().join('\n');
      return t.includes('EV_KEY KEY_H 1') && t.includes('EV_KEY KEY_I 1') && t.includes('EV_KEY KEY_1 1');
    });
    // A capital is typed with Shift, a small letter without.
    const keys = traceLines().filter((l) => !l.startsWith('EV_SYN'));
    const h = keys.indexOf('EV_KEY KEY_H 1');
    assert.deepEqual(keys.slice(h - 1, h + 5), [
      'EV_KEY KEY_LEFTSHIFT 1', 'EV_KEY KEY_H 1', 'EV_KEY KEY_LEFTSHIFT 0',
      'EV_KEY KEY_H 0', 'EV_KEY KEY_I 1', 'EV_KEY KEY_I 0',
    ]);
    await page.close();
  } finally {
    await server.stop();
  }
});

test('a wrong password shows an error', async () => {
  const server = await startServer(serverArgs(['--http-listen', '127.0.0.1:0']));
  try {
    const page = await browser.newPage();
    // Every status the page shows, in order (a slowed-down answer can take seconds).
    await page.addInitScript(() => {
      window.statuses = [];
      addEventListener('DOMContentLoaded', () => {
        const status = document.getElementById('status');
        new MutationObserver(() => window.statuses.push(status.textContent)).observe(status, { childList: true });
      });
    });
    await login(page, `http://${server.http}/`, 'wrong');
    await until('an authentication error', async () => /Authentication failed: wrong password/.test(await page.textContent('#status')));
    const statuses = await page.evaluate(() => window.statuses);
    assert.ok(statuses.includes('Checking the password…'), `says what it waits for: ${statuses}`);
    await page.screenshot({ path: join(ARTIFACTS, 'browser-wrong-password.png') });
    await page.close();
  } finally {
    await server.stop();
  }
});

test('the #password= fragment logs in, and a restarted server is reconnected', async () => {
  let server = await startServer(serverArgs(['--http-listen', '127.0.0.1:0']));
  const httpAddr = server.http;
  const rfbAddr = server.rfb;
  const page = await browser.newPage();
  try {
    await page.goto(`http://${httpAddr}/#password=${PASSWORD}`);
    await until('canvas equals the pattern', async () => (await canvasMismatches(page, files.fb)) === 0);
    assert.ok(!page.url().includes(PASSWORD), `the password left the address bar: ${page.url()}`);
    await server.stop();
    await until('the page notices', async () => /Disconnected/.test(await page.textContent('#status')));
    server = await startServer(serverArgs(['--http-listen', httpAddr]).map((a) => (a === '127.0.0.1:0' ? rfbAddr : a)));
    await until('reconnected', async () => /Connected/.test(await page.textContent('#status')), 40000);
    await until('canvas equals the pattern again', async () => (await canvasMismatches(page, files.fb)) === 0);
  } finally {
    await page.close();
    await server.stop();
  }
});

test('a full server is shown as the reason, and the page gets in once there is room', async () => {
  const server = await startServer(serverArgs(['--http-listen', '127.0.0.1:0', '--max-clients', '1']));
  const first = await browser.newPage();
  const second = await browser.newPage();
  try {
    await first.goto(`http://${server.http}/#password=${PASSWORD}`);
    await until('the first page connected', async () => /Connected/.test(await first.textContent('#status')));
    await second.goto(`http://${server.http}/#password=${PASSWORD}`);
    await until('the reason shown', async () =>
      /Refused by the server: too many clients; retrying/.test(await second.textContent('#status')));
    assert.ok(await second.locator('#login').isHidden(), 'no password form: the password was not the problem');
    await first.close();
    await until('the second page connected', async () => /Connected/.test(await second.textContent('#status')), 40000);
    await until('its canvas equals the pattern', async () => (await canvasMismatches(second, files.fb)) === 0);
  } finally {
    await second.close();
    await server.stop();
  }
});

test('JPEG turns exact once still; a better level refreshes at once, a lower one does not; the choice is kept', async () => {
  // A photo-like picture (many colours in every 64x64 tile): Tight sends it as JPEG.
  const photo = join(files.dir, 'photo');
  const px = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      px.set([((x ^ y) * 7) & 255, (y * 255 / H) | 0, (x * 255 / W) | 0, 0], (y * W + x) * 4);
    }
  }
  writeFileSync(photo, px);
  const args = serverArgs(['--http-listen', '127.0.0.1:0', '--log-level', 'debug']).map((a) => (a === `file:${files.fb}` ? `file:${photo}` : a));
  const server = await startServer(args);
  const page = await browser.newPage();
  const asked = (level) => server.lines.filter((l) => new RegExp(`encodings \\[.*${-32 + level}[,\\]]`).test(l)).length;
  const refreshedNow = () => server.lines.filter((l) => l.includes('refreshing what went as JPEG now')).length;
  // Keeps the top 64 rows changing, so some JPEG is always on the screen
  // (a tile is refreshed only once it has stayed still for a second).
  const fd = openSync(photo, 'r+');
  let frame = 0;
  const band = Buffer.alloc(W * 64 * 4);
  const changing = setInterval(() => {
    frame += 1;
    for (let i = 0; i < band.length; i += 4) band.set([(i / 4 + frame * 9) & 255, Math.floor(i / 4 / W) * 4 & 255, frame * 13 & 255], i);
    writeSync(fd, band, 0, band.length, 0);
  }, 150);
  let changingStopped = false;
  const stopChanging = () => {
    if (!changingStopped) {
      clearInterval(changing);
      writeSync(fd, px, 0, band.length, 0);
      closeSync(fd);
      changingStopped = true;
    }
  };
  try {
    await page.goto(`http://${server.http}/#password=${PASSWORD}`);
    await until('connected', async () => /Connected/.test(await page.textContent('#status')));
    assert.equal(await page.inputValue('#quality'), '6');
    assert.equal(asked(6), 1);
    // Below the changing band the canvas turns exact: JPEG at level 6 never
    // is, so the still tiles were sent again without loss.
    await until('the still part exact', async () => (await canvasMismatches(page, photo)) <= W * 64);
    assert.equal(refreshedNow(), 0);
    await page.selectOption('#quality', '9');
    await until('the band refreshed at once for the better level', async () => refreshedNow() === 1);
    assert.notEqual(await page.evaluate(() => document.activeElement.id), 'quality', 'keys go to the board again');
    await page.selectOption('#quality', '2');
    await until('the server hears level 2', async () => asked(2) === 1);
    assert.equal(refreshedNow(), 1, 'a lower level refreshes nothing at once');
    stopChanging();
    await until('all of it exact', async () => (await canvasMismatches(page, photo)) === 0);
    await page.reload();
    await until('connected again', async () => /Connected/.test(await page.textContent('#status')));
    assert.equal(await page.inputValue('#quality'), '2');
    await until('the new connection asks for level 2 from the start', async () => asked(2) === 2);
    // The first connection's line as it left counts the refreshes.
    await until('the first connection\'s line', async () => server.lines.some((l) => /exact refresh(es)? of JPEG/.test(l)));
  } finally {
    stopChanging();
    await page.close();
    await server.stop();
  }
});

test('a phone-sized viewport shows the whole screen scaled', async () => {
  const server = await startServer(serverArgs(['--http-listen', '127.0.0.1:0']));
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`http://${server.http}/#password=${PASSWORD}`);
    await until('canvas equals the pattern', async () => (await canvasMismatches(page, files.fb)) === 0);
    const box = await page.locator('#screen canvas').boundingBox();
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 390.5 && box.y + box.height <= 844.5, JSON.stringify(box));
    assert.ok(box.width >= 300, `scaled to the width: ${JSON.stringify(box)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'browser-phone.png') });
    await page.close();
  } finally {
    await server.stop();
  }
});

/** A web site on 127.0.0.1 (its own origin) whose page frames `frameUrl()`. */
async function framingSite(frameUrl) {
  const site = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><title>other site</title><iframe src="${frameUrl()}" width="400" height="300"></iframe>`);
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  return { site, origin: `http://127.0.0.1:${site.address().port}` };
}

test('another site cannot show the page in a frame, an --allow-origin site can', async () => {
  let fbvncd = '';
  const other = await framingSite(() => fbvncd);
  const allowed = await framingSite(() => fbvncd);
  const server = await startServer(serverArgs(['--http-listen', '127.0.0.1:0', '--allow-origin', allowed.origin]));
  fbvncd = `http://${server.http}/`;
  try {
    const page = await browser.newPage();
    await page.goto(`${allowed.origin}/`);
    const framed = () => page.frames().find((f) => f !== page.mainFrame());
    await until('the allowed site shows the login in its frame',
      async () => framed()?.url() === fbvncd && (await framed().locator('#login:not([hidden])').count()) === 1);
    await page.goto(`${other.origin}/`);
    // Chromium puts its error page in a frame it refused to fill.
    await until('the frame is refused', async () => framed()?.url().startsWith('chrome-error:'));
    assert.equal(await framed().locator('#login').count(), 0, 'the page did not load in the frame');
    await page.close();
  } finally {
    await server.stop();
    other.site.close();
    allowed.site.close();
  }
});

test('a view-only session says so and offers no typing buttons', async () => {
  const server = await startServer(serverArgs(['--http-listen', '127.0.0.1:0', '--view-only']));
  try {
    const page = await browser.newPage();
    await page.goto(`http://${server.http}/#password=${PASSWORD}`);
    await until('connected, view only', async () => /Connected to .* \(view only\)/.test(await page.textContent('#status')));
    for (const id of ['keyboard', 'paste-toggle', 'cad']) {
      assert.equal(await page.isVisible(`#${id}`), false, `#${id} is hidden`);
    }
    assert.equal(await page.isVisible('#fullscreen'), true, 'looking still has its buttons');
    await page.close();
  } finally {
    await server.stop();
  }
});
