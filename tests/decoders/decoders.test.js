// fbvncd's Raw, Hextile, ZRLE and Tight rectangles through noVNC's decoders:
// pixels identical (Tight's JPEG within a stated error), over updates that
// keep the zlib streams going, for odd sizes and random pictures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vectors, decodeAll, diff } from './harness.js';

const SIZES = [[1, 1], [63, 65], [130, 70], [64, 64], [333, 201]];
const QUALITY_6 = -32 + 6;
const COMPRESS_0 = -256;
const COMPRESS_9 = -247;
const LAST_RECT = -224;

for (const [name, id] of [['raw', 0], ['hextile', 5], ['zrle', 16], ['tight', 7]]) {
    test(`${name}: exact pixels through noVNC's decoder`, () => {
        for (const [w, h] of SIZES) {
            for (const seed of [1, 2, 3]) {
                const v = vectors(name, w, h, seed);
                const { encodings } = decodeAll(v, (screen, u) => {
                    const d = diff(screen.rgb, Buffer.from(u.rgb, 'base64'));
                    assert.equal(d.count, 0, `${name} ${w}x${h} seed ${seed}: ${d.count} channels differ`);
                });
                assert.deepEqual(encodings, [id]);
            }
        }
    });
}

test('tight: rectangles wider than 2048 or above 64K pixels are split', () => {
    const v = vectors('tight', 3000, 70, 7);
    assert.ok(v.updates[0].count >= 4, `only ${v.updates[0].count} rectangles`);
    decodeAll(v, (screen, u) => assert.equal(diff(screen.rgb, Buffer.from(u.rgb, 'base64')).count, 0));
});

// Level 0 stores (TigerVNC's meaning: least CPU, most bytes), level 9
// compresses hardest; both keep the client's inflaters in step.
for (const [name, id] of [['zrle', 16], ['tight', 7]]) {
    test(`${name}: compression levels 0 and 9 keep the streams in step`, () => {
        const sent = {};
        for (const level of [0, 9]) {
            const v = vectors(name, 333, 201, 5, ['console', COMPRESS_0 + level]);
            const { encodings } = decodeAll(v, (screen, u) => assert.equal(diff(screen.rgb, Buffer.from(u.rgb, 'base64')).count, 0));
            assert.deepEqual(encodings, [id]);
            sent[level] = v.updates.reduce((n, u) => n + Buffer.from(u.rects, 'base64').length, 0);
        }
        assert.ok(sent[0] > 2 * sent[9], `level 0 sent ${sent[0]} bytes, level 9 ${sent[9]}`);
    });
}

// Tight's quality levels as TigerVNC (and libvncserver) define them: JPEG
// quality 29, 62, 79, 100 with 4:2:0, 4:2:2, full and full colour; the
// error allowed (mean, and share of channels off by more than 24) grows as
// the quality falls.
const LEVELS = [[1, '2x2', 5, 0.02], [4, '2x1', 3, 0.01], [6, '1x1', 2, 0.01], [9, '1x1', 1, 0.005]];
for (const [level, sampling, meanMax, farMax] of LEVELS) {
    test(`tight + JPEG quality ${level}: ${sampling} sampling, smooth areas within ${meanMax}, text lossless`, () => {
        const v = vectors('tight', 640, 360, 11, [-32 + level]);
        // Only the first update: later ones paint noise and stripes everywhere.
        v.updates = v.updates.slice(0, 1);
        const { screen } = decodeAll(v, (screen, u) => {
            const want = Buffer.from(u.rgb, 'base64');
            // The gradient band (second quarter, away from its edges) is the
            // photo-like part; the noise band is JPEG's worst case and not judged.
            const band = (rgb, x0, x1) => {
                const out = [];
                for (let y = 0; y < 360; y++) {
                    for (let x = x0; x < x1; x++) out.push(...rgb.subarray((y * 640 + x) * 3, (y * 640 + x) * 3 + 3));
                }
                return Uint8Array.from(out);
            };
            // Few-colour areas ("text" and blocks, right half) stay lossless.
            const sharp = diff(band(screen.rgb, 320, 640), band(want, 320, 640));
            assert.equal(sharp.count, 0, `${sharp.count} channels of the few-colour half differ`);
            const got = band(screen.rgb, 168, 312), exp = band(want, 168, 312);
            const d = diff(got, exp);
            // The band's blue channel wraps from 255 to 0 (a hard edge) every
            // 256 pixels: a few channels there may be far off.
            const far = got.filter((c, i) => Math.abs(c - exp[i]) > 24).length / got.length;
            assert.ok(d.mean <= meanMax && far <= farMax, `gradient error: mean ${d.mean}, ${far * 100}% off by > 24`);
        });
        assert.ok(screen.jpegRects > 0, 'JPEG was used');
        assert.deepEqual([...screen.chroma], [sampling]);
    });
}

test('tight: coloured console text goes as two-colour pieces, exact', () => {
    for (const [w, h, pseudo] of [[640, 200, []], [333, 201, []], [640, 200, [QUALITY_6]], [640, 200, [COMPRESS_9]]]) {
        // Pieces only for a client that takes LastRect (as noVNC does).
        const v = vectors('tight', w, h, 3, ['console', LAST_RECT, ...pseudo]);
        // With JPEG on, later updates paint noise (lossy): the console only.
        if (pseudo.includes(QUALITY_6)) v.updates = v.updates.slice(0, 1);
        decodeAll(v, (screen, u) => {
            const d = diff(screen.rgb, Buffer.from(u.rgb, 'base64'));
            assert.equal(d.count, 0, `${w}x${h} ${pseudo}: ${d.count} channels differ`);
        });
        // Words of 2-12 cells in changing inks: a piece a word or so, not a
        // rectangle (or a JPEG tile) per 64K pixels.
        const words = (w / 8 / 7) * Math.ceil(h / 16);
        assert.ok(v.updates[0].count >= words / 2, `${w}x${h} ${pseudo}: ${v.updates[0].count} rectangles`);
    }
});
