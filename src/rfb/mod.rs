//! The RFB protocol (RFC 6143), pure: bytes in, bytes out. No sockets, no
//! devices, no async. Parsers take a slice and return `Ok(None)` when it
//! holds too little, consuming nothing (STYLE.md 1).

pub mod auth;
pub mod encoding;
pub mod handshake;
pub mod messages;
pub mod pixel;

/// A rectangle in screen pixels. RFB coordinates are 16-bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge.
    pub x: u16,
    /// Top edge.
    pub y: u16,
    /// Width (may be 0).
    pub w: u16,
    /// Height (may be 0).
    pub h: u16,
}

impl Rect {
    /// Builds a rectangle.
    pub const fn new(x: u16, y: u16, w: u16, h: u16) -> Self {
        Self { x, y, w, h }
    }

    /// True when it covers no pixel.
    pub fn is_empty(&self) -> bool {
        self.w == 0 || self.h == 0
    }

    /// Number of pixels covered.
    pub fn area(&self) -> usize {
        usize::from(self.w) * usize::from(self.h)
    }

    /// The part inside a `width` x `height` screen (possibly empty).
    pub fn clip(&self, width: u16, height: u16) -> Rect {
        let x0 = self.x.min(width);
        let y0 = self.y.min(height);
        let x1 = (u32::from(self.x) + u32::from(self.w)).min(u32::from(width));
        let y1 = (u32::from(self.y) + u32::from(self.h)).min(u32::from(height));
        Rect::new(x0, y0, fit_u16(x1 - u32::from(x0)), fit_u16(y1 - u32::from(y0)))
    }

    /// The intersection, or an empty rectangle.
    pub fn intersect(&self, o: &Rect) -> Rect {
        let x0 = self.x.max(o.x);
        let y0 = self.y.max(o.y);
        let x1 = (u32::from(self.x) + u32::from(self.w)).min(u32::from(o.x) + u32::from(o.w));
        let y1 = (u32::from(self.y) + u32::from(self.h)).min(u32::from(o.y) + u32::from(o.h));
        if x1 <= u32::from(x0) || y1 <= u32::from(y0) {
            return Rect::new(x0, y0, 0, 0);
        }
        Rect::new(x0, y0, fit_u16(x1 - u32::from(x0)), fit_u16(y1 - u32::from(y0)))
    }
}

/// Narrows to u16, saturating (callers pass values already bounded by u16 inputs).
pub fn fit_u16(v: u32) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

/// A read-only view of canonical pixels (`0x00RRGGBB`, row-major) of a
/// screen, or of a window of it: `pixels` starts at screen point `origin`.
#[derive(Clone, Copy, Debug)]
pub struct PixelView<'a> {
    /// The pixels; screen row `y` starts at `(y - origin.1) * stride`.
    pub pixels: &'a [u32],
    /// Pixels per row in `pixels`.
    pub stride: usize,
    /// Screen width.
    pub width: u16,
    /// Screen height.
    pub height: u16,
    /// Screen point of `pixels[0]`.
    pub origin: (u16, u16),
}

impl<'a> PixelView<'a> {
    /// A whole `width` x `height` screen with rows of `width` pixels.
    pub fn screen(pixels: &'a [u32], width: u16, height: u16) -> Self {
        Self { pixels, stride: usize::from(width), width, height, origin: (0, 0) }
    }

    /// Row `y`, pixels `x .. x + w` (caller guarantees the rectangle is inside
    /// the window).
    pub fn row(&self, x: u16, y: u16, w: u16) -> &'a [u32] {
        let start = self.index(x, y);
        &self.pixels[start..start + usize::from(w)]
    }

    /// Where screen point (`x`, `y`) lies in `pixels` (caller guarantees it
    /// is inside the window).
    pub fn index(&self, x: u16, y: u16) -> usize {
        usize::from(y - self.origin.1) * self.stride + usize::from(x - self.origin.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_and_intersect() {
        assert_eq!(Rect::new(10, 10, 100, 100).clip(50, 60), Rect::new(10, 10, 40, 50));
        assert!(Rect::new(70, 0, 10, 10).clip(50, 60).is_empty());
        assert_eq!(Rect::new(u16::MAX, u16::MAX, u16::MAX, u16::MAX).clip(8, 8).area(), 0);
        let a = Rect::new(0, 0, 10, 10);
        assert_eq!(a.intersect(&Rect::new(5, 5, 10, 10)), Rect::new(5, 5, 5, 5));
        assert!(a.intersect(&Rect::new(10, 0, 5, 5)).is_empty());
    }
}
