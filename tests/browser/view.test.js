// A screen bigger than a phone, shown 1:1: the Move button lets a finger
// move the view instead of dragging the board's pointer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, until } from './harness.js';

const BW = 1280;
const BH = 720;
let browser;
let dir;

before(async () => {
  browser = await launch();
  dir = mkdtempSync(join(tmpdir(), 'fbvncd-view-'));
});

after(async () => {
  await browser?.close();
});

/** A picture whose every pixel says where it is: R, G = x, y low bytes, B = their high bits. */
function whereFile() {
  const px = Buffer.alloc(BW * BH * 4);
  for (let y = 0; y < BH; y++) {
    for (let x = 0; x < BW; x++) px.set([(x >> 8) | ((y >> 8) << 4), y & 255, x & 255, 0], (y * BW + x) * 4);
  }
  const path = join(dir, 'where');
  writeFileSync(path, px);
  return path;
}

/** The screen position the canvas shows at its top-left corner. */
async function topLeft(page) {
  const [r, g, b] = await page.evaluate(() => {
    const c = document.querySelector('#screen canvas');
    return [...c.getContext('2d').getImageData(0, 0, 1, 1).data];
  });
  return { x: r | ((b & 15) << 8), y: g | ((b >> 4) << 8) };
}

test('at 1:1 on a phone, Move lets a finger move the view, and a tap still clicks', async () => {
  const trace = join(dir, 'trace');
  writeFileSync(trace, '');
  const server = await startServer(['--fb', `file:${whereFile()}`, '--geometry', `${BW}x${BH}`,
    '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--no-auth', '--input', `trace:${trace}`]);
  const page = await browser.newPage({ viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true });
  try {
    await page.goto(`http://${server.http}/`);
    await until('connected', async () => /Connected/.test(await page.textContent('#status')));
    assert.equal(await page.isVisible('#move'), false, 'no Move while the screen fits');
    await page.click('#scale');
    await page.click('#move');
    assert.equal(await page.getAttribute('#move', 'aria-pressed'), 'true');
    await until('the screen drawn', async () => (await topLeft(page)).x === 0);

    // A finger dragged 200 px to the left.
    const cdp = await page.context().newCDPSession(page);
    const touch = (type, x, y) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y, id: 0 }] });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 30)); // a finger's pace
    await touch('touchStart', 300, 500);
    for (let i = 1; i <= 10; i++) {
      await pause();
      await touch('touchMove', 300 - 20 * i, 500 - 10 * i);
    }
    await touch('touchEnd');
    // (The phone is taller than the screen: the view moves sideways only.)
    await until('the view moved with the finger', async () => (await topLeft(page)).x >= 150);
    const presses = () => readFileSync(trace, 'utf8').split('\n').filter((l) => / BTN_\w+ 1$/.test(l));
    assert.deepEqual(presses(), [], 'the drag did not press anything on the board');

    await page.touchscreen.tap(200, 400);
    await until('the tap clicked', () => presses().includes('EV_KEY BTN_LEFT 1'));
  } finally {
    await page.close();
    await server.stop();
  }
});

/** Runs `fn(server, page)` on a demo server and a blank page; closes both after. */
async function withDemoPage(fn) {
  const server = await startServer(['--fb', 'demo', '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--no-auth', '--input', 'none']);
  const page = await browser.newPage();
  try {
    await fn(server, page);
  } finally {
    await page.close();
    await server.stop();
  }
}

test('a page whose files did not all load says so and loads itself again', async () => {
  await withDemoPage(async (server, page) => {
    // The first load of one of noVNC's modules fails, as a busy board's 503 would.
    let failed = 0;
    await page.route('**/core/websock.js', (route) => (failed++ ? route.continue() : route.fulfill({ status: 503, body: '' })));
    await page.goto(`http://${server.http}/`);
    await until('the page says it did not load', async () => /did not load/.test(await page.textContent('#status')));
    await until('connected after loading again', async () => /Connected/.test(await page.textContent('#status')));
    assert.equal(failed, 2, 'loaded again');
  });
});

test('a page that keeps failing to load stops trying and waits for the user', async () => {
  await withDemoPage(async (server, page) => {
    // Five tries have failed already (3, 6, 12, 24 and 48 s apart: not waited here).
    await page.addInitScript(() => {
      if (sessionStorage.getItem('fbvncd.loadTries') === null) sessionStorage.setItem('fbvncd.loadTries', '5');
    });
    let blocked = true;
    let loads = 0;
    await page.route('**/core/websock.js', (route) => {
      loads++;
      return blocked ? route.fulfill({ status: 503, body: '' }) : route.continue();
    });
    await page.goto(`http://${server.http}/`);
    await until('the page says it could not load', async () => /could not load/.test(await page.textContent('#status')));
    // Longer than the first wait between tries (3 s): no try comes.
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(loads, 1, 'no further reload by itself');
    blocked = false;
    await page.click('#status button');
    await until('connected after the user reloads', async () => /Connected/.test(await page.textContent('#status')));
    assert.equal(await page.evaluate(() => sessionStorage.getItem('fbvncd.loadTries')), null, 'the count starts again');
  });
});
