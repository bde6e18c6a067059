/* Guest-side helper for the real-kernel test: writes the test pattern into a
 * framebuffer in the device's own channel order, fills rectangles, sets a
 * mode (FBIOPUT_VSCREENINFO; busybox has no fbset), and prints input events.
 *
 *   fbtool pattern DEV          the pattern of tests/tools/pattern.py
 *   fbtool fill DEV X Y W H RRGGBB
 *   fbtool mode DEV W H BPP     (vfb accepts any mode that fits its memory)
 *   fbtool events DEV N         print "ready", then N events as "EV TYPE CODE VALUE"
 */
#include <fcntl.h>
#include <linux/fb.h>
#include <linux/input.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fd;
static struct fb_var_screeninfo var;
static struct fb_fix_screeninfo fix;
static uint8_t *mem;

static void die(const char *what) { perror(what); exit(1); }

static void open_fb(const char *dev) {
    fd = open(dev, O_RDWR);
    if (fd < 0) die("open");
    if (ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) die("ioctl");
    mem = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) die("mmap");
}

/* The pattern: quadrants red/green/blue/white, yellow centre, magenta diagonal. */
static uint32_t pattern(uint32_t x, uint32_t y, uint32_t w, uint32_t h) {
    uint32_t cx = w / 2, cy = h / 2, s = (w < h ? w : h) / 6;
    if (x * h / (w ? w : 1) == y) return 0xff00ff;
    if (x + s >= cx && x < cx + s && y + s >= cy && y < cy + s) return 0xffff00;
    if (y < cy) return x < cx ? 0xff0000 : 0x00ff00;
    return x < cx ? 0x0000ff : 0xffffff;
}

static uint32_t channel(uint32_t v8, struct fb_bitfield *f) {
    return (v8 >> (8 - f->length)) << f->offset;
}

static void put(uint32_t x, uint32_t y, uint32_t rgb) {
    uint32_t v = channel((rgb >> 16) & 0xff, &var.red) | channel((rgb >> 8) & 0xff, &var.green) |
                 channel(rgb & 0xff, &var.blue);
    uint32_t bpp = var.bits_per_pixel / 8;
    uint8_t *p = mem + (var.yoffset + y) * fix.line_length + (var.xoffset + x) * bpp;
    memcpy(p, &v, bpp); /* little-endian guest */
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    if (!strcmp(argv[1], "events")) {
        int in = open(argv[2], O_RDONLY);
        if (in < 0) die("open");
        printf("ready\n"); /* events from here on are seen */
        fflush(stdout);
        int n = argc > 3 ? atoi(argv[3]) : 1;
        struct input_event ev;
        for (int i = 0; i < n && read(in, &ev, sizeof ev) == sizeof ev; i++) {
            printf("EV %u %u %d\n", ev.type, ev.code, ev.value);
            fflush(stdout);
        }
        return 0;
    }
    if (!strcmp(argv[1], "mode") && argc == 6) {
        fd = open(argv[2], O_RDWR);
        if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var)) die("get");
        var.xres = var.xres_virtual = atoi(argv[3]);
        var.yres = var.yres_virtual = atoi(argv[4]);
        var.bits_per_pixel = atoi(argv[5]);
        var.xoffset = var.yoffset = 0;
        var.activate = FB_ACTIVATE_NOW;
        if (ioctl(fd, FBIOPUT_VSCREENINFO, &var)) die("FBIOPUT_VSCREENINFO");
        return 0;
    }
    open_fb(argv[2]);
    if (!strcmp(argv[1], "pattern")) {
        for (uint32_t y = 0; y < var.yres; y++)
            for (uint32_t x = 0; x < var.xres; x++) put(x, y, pattern(x, y, var.xres, var.yres));
        return 0;
    }
    if (!strcmp(argv[1], "fill") && argc == 8) {
        uint32_t x0 = atoi(argv[3]), y0 = atoi(argv[4]), w = atoi(argv[5]), h = atoi(argv[6]);
        uint32_t rgb = strtoul(argv[7], NULL, 16);
        for (uint32_t y = y0; y < y0 + h && y < var.yres; y++)
            for (uint32_t x = x0; x < x0 + w && x < var.xres; x++) put(x, y, rgb);
        return 0;
    }
    return 2;
}
