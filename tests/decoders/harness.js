// Feeds fbvncd's encoded rectangles to noVNC's own decoders (from the npm
// package the page embeds) and paints them into an RGB array.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';

// noVNC expects a browser: its logging looks for window.console, its
// Websock for the WebSocket constants (node 20 has no WebSocket).
globalThis.window ??= globalThis;
globalThis.WebSocket ??= { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const NOVNC = path.join(ROOT, 'web', 'node_modules', '@novnc', 'novnc', 'core');
const Websock = (await import(path.join(NOVNC, 'websock.js'))).default;
const DECODERS = {
    0: (await import(path.join(NOVNC, 'decoders', 'raw.js'))).default,
    5: (await import(path.join(NOVNC, 'decoders', 'hextile.js'))).default,
    7: (await import(path.join(NOVNC, 'decoders', 'tight.js'))).default,
    16: (await import(path.join(NOVNC, 'decoders', 'zrle.js'))).default,
};

const EXAMPLES = process.env.FBVNCD_EXAMPLES || path.join(ROOT, 'target', 'release', 'examples');

/** Runs the vector generator: encoding, size, seed and pseudo-encodings. */
export function vectors(encoding, width, height, seed, pseudo = []) {
    const out = execFileSync(path.join(EXAMPLES, 'encode_vectors'),
        [encoding, String(width), String(height), String(seed), ...pseudo.map(String)],
        { maxBuffer: 1 << 30 });
    return JSON.parse(out);
}

/** A screen noVNC's decoders draw on, kept as RGB bytes. */
class Screen {
    constructor(width, height) {
        this.width = width;
        this.rgb = new Uint8Array(width * height * 3);
    }
    fillRect(x, y, w, h, color) {
        for (let yy = y; yy < y + h; yy++) {
            for (let xx = x; xx < x + w; xx++) {
                this.rgb.set([color[0], color[1], color[2]], (yy * this.width + xx) * 3);
            }
        }
    }
    blitImage(x, y, w, h, arr, offset) {
        for (let i = 0; i < w * h; i++) {
            const at = ((y + Math.floor(i / w)) * this.width + x + (i % w)) * 3;
            this.rgb.set(arr.subarray(offset + i * 4, offset + i * 4 + 3), at);
        }
    }
    imageRect(x, y, w, h, mime, data) {
        if (mime !== 'image/jpeg') throw new Error(`unexpected image ${mime}`);
        const img = jpeg.decode(data, { useTArray: true });
        if (img.width !== w || img.height !== h) throw new Error(`JPEG ${img.width}x${img.height} for ${w}x${h}`);
        this.blitImage(x, y, w, h, img.data, 0);
        this.jpegRects = (this.jpegRects || 0) + 1;
        (this.chroma ||= new Set()).add(lumaSampling(data));
    }
}

/** A baseline JPEG's luma sampling factors from its frame header (SOF0):
 * '1x1' is full colour (4:4:4), '2x1' 4:2:2, '2x2' 4:2:0. */
function lumaSampling(data) {
    for (let i = 2; i + 11 < data.length;) {
        if (data[i] !== 0xff) throw new Error(`no JPEG marker at ${i}`);
        const len = (data[i + 2] << 8) | data[i + 3];
        // SOF0: length, precision, height, width, components, then id and
        // the first component's sampling byte.
        if (data[i + 1] === 0xc0) return `${data[i + 11] >> 4}x${data[i + 11] & 15}`;
        i += 2 + len;
    }
    throw new Error('no SOF0 in the JPEG');
}

/** Decodes every update; calls `check(screen, update)` after each. */
export function decodeAll(v, check) {
    const sock = new Websock();
    sock._allocateBuffers();
    const screen = new Screen(v.width, v.height);
    const decoders = {};
    const seen = new Set();
    for (const u of v.updates) {
        sock._recvMessage({ data: Buffer.from(u.rects, 'base64') });
        for (let i = 0; i < u.count; i++) {
            const [x, y, w, h] = [sock.rQshift16(), sock.rQshift16(), sock.rQshift16(), sock.rQshift16()];
            const enc = sock.rQshift32();
            const Decoder = DECODERS[enc];
            if (!Decoder) throw new Error(`no decoder for encoding ${enc}`);
            decoders[enc] ||= new Decoder();
            seen.add(enc);
            if (!decoders[enc].decodeRect(x, y, w, h, sock, screen, 24)) {
                throw new Error(`rectangle ${i} of encoding ${enc} is short`);
            }
        }
        if (sock.rQlen() !== 0) throw new Error(`${sock.rQlen()} bytes left over`);
        check(screen, u);
    }
    return { screen, encodings: [...seen] };
}

/** Per-channel differences between two RGB arrays. */
export function diff(a, b) {
    let max = 0, sum = 0, count = 0;
    for (let i = 0; i < a.length; i++) {
        const d = Math.abs(a[i] - b[i]);
        if (d) count++;
        max = Math.max(max, d);
        sum += d;
    }
    return { max, mean: sum / a.length, count };
}
