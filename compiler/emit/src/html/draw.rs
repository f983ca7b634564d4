//! Small drawing helpers over the `svg` crate: documents sized for the page, labelled
//! boxes, colour scales and a line or bar chart with axes. Every number is rounded to a
//! tenth of a pixel so that the page is byte-deterministic.

use svg::Document;
use svg::node::element::{Group, Line, Polyline, Rectangle, Text, Title};

/// A number for an SVG attribute, to 0.1 px.
pub fn px(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() { format!("{}", r as i64) } else { format!("{r:.1}") }
}

/// An empty drawing `w` × `h` pixels that scales to the page's width.
pub fn document(w: f64, h: f64, label: &str) -> Document {
    Document::new()
        .set("viewBox", format!("0 0 {} {}", px(w), px(h)))
        .set("width", px(w))
        .set("height", px(h))
        .set("role", "img")
        .set("aria-label", label)
        .set("class", "drawing")
}

/// A rectangle with a fill, an outline and a tooltip.
pub fn rect(x: f64, y: f64, w: f64, h: f64, fill: &str, tooltip: &str) -> Rectangle {
    Rectangle::new()
        .set("x", px(x))
        .set("y", px(y))
        .set("width", px(w.max(0.0)))
        .set("height", px(h.max(0.0)))
        .set("fill", fill)
        .set("stroke", "#444")
        .set("stroke-width", "0.5")
        .add(Title::new(tooltip))
}

/// Text at (`x`, `y`); `anchor` is `start`, `middle` or `end`.
pub fn text(x: f64, y: f64, anchor: &str, size: f64, content: &str) -> Text {
    Text::new(content).set("x", px(x)).set("y", px(y)).set("text-anchor", anchor).set("font-size", px(size))
}

/// A straight line.
pub fn line(x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) -> Line {
    Line::new().set("x1", px(x1)).set("y1", px(y1)).set("x2", px(x2)).set("y2", px(y2)).set("stroke", stroke).set("stroke-width", px(width))
}

/// The colour of a power load against its limit: green well under it, amber near it,
/// red over it, grey where there is no limit.
pub fn headroom_colour(load: f64, limit: Option<f64>) -> &'static str {
    match limit {
        Some(l) if l > 0.0 => {
            let share = load / l;
            if share > 1.0 + 1e-9 {
                "#d7301f"
            } else if share > 0.95 {
                "#fc8d59"
            } else if share > 0.8 {
                "#fdcc8a"
            } else {
                "#a1d99b"
            }
        }
        _ => "#d9d9d9",
    }
}

/// The legend of [`headroom_colour`]: two rows of three, 570 px wide and 28 px high, at
/// (`x`, `y`).
pub fn headroom_legend(x: f64, y: f64) -> Group {
    let items = [
        ("#a1d99b", "under 80 % of its limit"),
        ("#fdcc8a", "80–95 %"),
        ("#fc8d59", "95–100 %"),
        ("#d7301f", "over its limit"),
        ("#d9d9d9", "no limit"),
        ("#9ecae1", "generated network rack"),
    ];
    let mut g = Group::new();
    for (i, (colour, label)) in items.iter().enumerate() {
        let (x, y) = (x + (i % 3) as f64 * 190.0, y + (i / 3) as f64 * 16.0);
        g = g.add(rect(x, y, 12.0, 12.0, colour, label)).add(text(x + 16.0, y + 10.0, "start", 11.0, label));
    }
    g
}

/// One series of a chart.
pub struct Series<'a> {
    /// Its name in the legend.
    pub name: &'a str,
    /// Its colour.
    pub colour: &'a str,
    /// Its points, x ascending.
    pub points: Vec<(f64, f64)>,
}

/// A line chart of one or two series on their own y axes (left and right), with `x`
/// labelled; `limit` draws a dashed horizontal line on the left axis (an SLO).
pub fn chart(
    title: &str,
    x_label: &str,
    left: &Series<'_>,
    right: Option<&Series<'_>>,
    limit: Option<(f64, &str)>,
    fmt: &dyn Fn(usize, f64) -> String,
) -> Document {
    let (w, h, m) = (460.0, 260.0, 56.0);
    let (plot_w, plot_h) = (w - 2.0 * m, h - 2.0 * m);
    let xs: Vec<f64> = left.points.iter().chain(right.iter().flat_map(|r| r.points.iter())).map(|p| p.0).collect();
    let (x0, x1) = (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let log_x = x0 > 0.0 && x1 / x0 >= 16.0;
    let tx = |x: f64| -> f64 {
        let (a, b, v) = if log_x { (x0.ln(), x1.ln(), x.ln()) } else { (x0, x1, x) };
        m + if b > a { (v - a) / (b - a) * plot_w } else { plot_w / 2.0 }
    };
    let mut doc = document(w, h, title).add(text(w / 2.0, 18.0, "middle", 13.0, title));
    doc = doc.add(line(m, m + plot_h, m + plot_w, m + plot_h, "#444", 1.0)).add(text(
        m + plot_w / 2.0,
        h - 12.0,
        "middle",
        11.0,
        &format!("{x_label}{}", if log_x { " (log scale)" } else { "" }),
    ));
    for &x in &[x0, x1] {
        if x.is_finite() {
            doc = doc.add(text(tx(x), m + plot_h + 14.0, "middle", 10.0, &fmt(0, x)));
        }
    }
    for (axis, series) in [(0usize, Some(left)), (1, right)] {
        let Some(series) = series else { continue };
        let mut top = series.points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
        if axis == 0
            && let Some((l, _)) = limit
        {
            top = top.max(l);
        }
        let top = if top > 0.0 { top * 1.1 } else { 1.0 };
        let ty = |y: f64| m + plot_h - y / top * plot_h;
        let x_axis = if axis == 0 { m } else { m + plot_w };
        doc = doc.add(line(x_axis, m, x_axis, m + plot_h, series.colour, 1.0));
        let anchor = if axis == 0 { "end" } else { "start" };
        let dx = if axis == 0 { -4.0 } else { 4.0 };
        for frac in [0.0, 0.5, 1.0] {
            let v = top * frac;
            doc = doc.add(text(x_axis + dx, ty(v) + 3.0, anchor, 10.0, &fmt(axis + 1, v)).set("fill", series.colour));
        }
        let points: Vec<String> = series.points.iter().map(|&(x, y)| format!("{},{}", px(tx(x)), px(ty(y)))).collect();
        doc = doc
            .add(Polyline::new().set("points", points.join(" ")).set("fill", "none").set("stroke", series.colour).set("stroke-width", "2"));
        for &(x, y) in &series.points {
            doc = doc.add(
                svg::node::element::Circle::new()
                    .set("cx", px(tx(x)))
                    .set("cy", px(ty(y)))
                    .set("r", "2.5")
                    .set("fill", series.colour)
                    .add(Title::new(format!("{}: {} at {}", series.name, fmt(axis + 1, y), fmt(0, x)))),
            );
        }
        let legend_y = 34.0 + axis as f64 * 14.0;
        doc = doc.add(rect(m, legend_y - 9.0, 10.0, 10.0, series.colour, series.name)).add(text(
            m + 14.0,
            legend_y,
            "start",
            11.0,
            series.name,
        ));
        if axis == 0
            && let Some((l, label)) = limit
        {
            doc = doc
                .add(line(m, ty(l), m + plot_w, ty(l), series.colour, 1.0).set("stroke-dasharray", "4 3"))
                .add(text(m + plot_w - 2.0, ty(l) - 3.0, "end", 10.0, label).set("fill", series.colour));
        }
    }
    doc
}

/// A horizontal bar chart: one bar per item, `value` against the longest.
pub fn bars(title: &str, items: &[(String, f64, String)], colour: &str) -> Document {
    let (w, row, m) = (520.0, 22.0, 150.0);
    let h = 30.0 + row * items.len() as f64 + 10.0;
    let top = items.iter().map(|i| i.1).fold(0.0_f64, f64::max);
    let mut doc = document(w, h, title).add(text(w / 2.0, 18.0, "middle", 13.0, title));
    for (i, (label, value, shown)) in items.iter().enumerate() {
        let y = 30.0 + i as f64 * row;
        // Room on the right for the value's text.
        let len = if top > 0.0 { value / top * (w - m - 170.0) } else { 0.0 };
        doc = doc
            .add(text(m - 6.0, y + 14.0, "end", 11.0, label))
            .add(rect(m, y + 3.0, len, row - 6.0, colour, &format!("{label}: {shown}")))
            .add(text(m + len + 4.0, y + 14.0, "start", 11.0, shown));
    }
    doc
}
