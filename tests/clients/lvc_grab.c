/* One full frame through libvncclient (libvncserver's client library, the
 * decoder of Remmina and Guacamole), written as a binary PPM.
 * usage: lvc_grab PORT ENCODINGS BPP OUT.ppm [QUALITY [SECONDS]]
 * BPP 32: 8 bits a channel; 16: 5 bits a channel (libvncclient's own
 * 16-bit format, red at bit 0). QUALITY 0-9 turns Tight's JPEG on.
 * SECONDS: keep taking updates that long after the first, then write. */
#include <rfb/rfbclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int updates;

static void finished(rfbClient *client) {
  (void)client;
  updates++;
}

static int channel(uint32_t px, int shift, int max) {
  return (int)(((px >> shift) & (uint32_t)max) * 255 / (uint32_t)max);
}

static int write_ppm(rfbClient *c, const char *path) {
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  rfbPixelFormat *pf = &c->format;
  int bpp = pf->bitsPerPixel / 8, ok = 1;
  fprintf(f, "P6\n%d %d\n255\n", c->width, c->height);
  for (int i = 0; i < c->width * c->height; i++) {
    const uint8_t *p = c->frameBuffer + (size_t)i * bpp;
    uint32_t px = 0;
    for (int b = 0; b < bpp; b++) /* the format's byte order */
      px |= (uint32_t)p[pf->bigEndian ? b : bpp - 1 - b] << (8 * (bpp - 1 - b));
    unsigned char rgb[3] = {
        (unsigned char)channel(px, pf->redShift, pf->redMax),
        (unsigned char)channel(px, pf->greenShift, pf->greenMax),
        (unsigned char)channel(px, pf->blueShift, pf->blueMax)};
    ok &= fwrite(rgb, 1, 3, f) == 3;
  }
  return (fclose(f) == 0) & ok;
}

/* Takes the server's messages for `secs` seconds, or until the first
 * update when `first`; 0 when the connection fails. */
static int pump(rfbClient *c, int secs, int first) {
  time_t end = time(NULL) + secs;
  while (time(NULL) < end && !(first && updates > 0)) {
    int n = WaitForMessage(c, 100000);
    if (n < 0 || (n > 0 && !HandleRFBServerMessage(c))) return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: lvc_grab PORT ENCODINGS BPP OUT.ppm [QUALITY [SECONDS]]\n");
    return 2;
  }
  int bits = atoi(argv[3]);
  if (bits != 32 && bits != 16) {
    fprintf(stderr, "BPP: 32 or 16\n");
    return 2;
  }
  rfbClient *c = bits == 32 ? rfbGetClient(8, 3, 4) : rfbGetClient(5, 3, 2);
  c->serverHost = strdup("127.0.0.1");
  c->serverPort = atoi(argv[1]);
  c->appData.encodingsString = argv[2];
  c->appData.useRemoteCursor = FALSE;
  c->appData.compressLevel = 6;
  c->appData.enableJPEG = argc > 5;
  c->appData.qualityLevel = argc > 5 ? atoi(argv[5]) : 9;
  c->FinishedFrameBufferUpdate = finished;
  if (!rfbInitClient(c, NULL, NULL)) return 1; /* frees the client */
  /* The first update answers rfbInitClient's full request (20 s at most);
   * each later one libvncclient's incremental request after the one before. */
  int ok = pump(c, 20, 1) && updates > 0 && pump(c, argc > 6 ? atoi(argv[6]) : 0, 0) &&
           write_ppm(c, argv[4]);
  rfbClientCleanup(c);
  return ok ? 0 : 1;
}
