// The page's canvas with the server restricted to Tight, ZRLE and Hextile in
// turn: few-colour areas pixel for pixel, and the encoding really used (the
// server's per-client log). With Tight, noVNC's default quality level turns
// on JPEG for the photo-like part, which must stay within a small error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, until, ARTIFACTS, W, H } from './harness.js';

// Left 192 columns (three 64-pixel tiles): a few flat colours and stripes;
// right 128: a smooth gradient, photo-like.
const SPLIT = 192;
function pixel(x, y) {
  if (x >= SPLIT) return [(x - SPLIT) * 2, y, 255 - ((x + y) >> 2)];
  if ((y >> 3) % 3 === 0) return (x >> 2) % 2 ? [255, 255, 255] : [0, 0, 0];
  return [[200, 30, 30], [30, 160, 60], [40, 40, 220]][(x >> 6) % 3];
}

let browser;
let fb;
before(async () => {
  browser = await launch();
  fb = join(mkdtempSync(join(tmpdir(), 'fbvncd-enc-')), 'fb');
  const b = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [r, g, bl] = pixel(x, y);
      b.set([bl, g, r, 0], (y * W + x) * 4);
    }
  }
  writeFileSync(fb, b);
});
after(async () => { await browser?.close(); });

async function canvasErrors(page) {
  const d = await page.evaluate(() => {
    const c = document.querySelector('#screen canvas');
    if (!c || c.width === 0) return null;
    return { w: c.width, px: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data) };
  });
  if (!d || d.w !== W) return null;
  let sharp = 0, photo = 0, photoSum = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const want = pixel(x, y);
      for (let c = 0; c < 3; c++) {
        const e = Math.abs(d.px[(y * W + x) * 4 + c] - want[c]);
        if (x < SPLIT) sharp += e ? 1 : 0;
        else { photo += e ? 1 : 0; photoSum += e; }
      }
    }
  }
  return { sharp, photo, photoMean: photoSum / ((W - SPLIT) * H * 3) };
}

for (const name of ['tight', 'zrle', 'hextile']) {
  test(`${name}: the canvas equals the file`, async () => {
    const server = await startServer(['--fb', `file:${fb}`, '--geometry', `${W}x${H}`, '--listen', '127.0.0.1:0',
      '--http-listen', '127.0.0.1:0', '--no-auth', '--encodings', name]);
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      await page.goto(`http://${server.http}/`);
      const errors = await until('the picture', async () => {
        const e = await canvasErrors(page);
        return e && e.sharp === 0 && (name === 'tight' ? e.photoMean < 3 : e.photo === 0) ? e : null;
      });
      await page.screenshot({ path: join(ARTIFACTS, `browser-${name}.png`) });
      assert.ok(server.lines.some((l) => l.includes(`pixels as ${name}`)), server.lines.join('\n'));
      if (name === 'tight') assert.ok(errors.photo > 0, 'JPEG was used for the gradient');
      await page.close();
    } finally {
      await server.stop();
    }
  });
}
