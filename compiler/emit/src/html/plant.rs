//! The physical drawings: the campus (buildings and the links between them), a floor plan
//! per hall coloured by power headroom, and rack elevations, one per distinct rack.

use super::draw::{document, headroom_colour, headroom_legend, line, px, rect, text};
use super::{Page, anchor};
use fabric_core::network::RackRef;
use fabric_core::plant::InstanceId;
use fabric_core::schema::Kind;
use fabric_core::units::{Dim, format_quantity, group_thousands};
use std::collections::BTreeMap;
use std::fmt::Write;
use svg::node::element::Path;

impl Page<'_> {
    /// The buildings and the campus links between them, each link with its distance,
    /// latency, capacity and the share of it the fabrics' cables use.
    pub(super) fn campus(&self, out: &mut String) {
        let plant = self.plant;
        let buildings: Vec<InstanceId> =
            (0..plant.instances.len() as u32).map(InstanceId).filter(|&i| plant.kind(i) == Kind::Building).collect();
        let _ = write!(out, "<section id=\"campus\"><h2>Campus</h2>");
        if buildings.is_empty() {
            out.push_str("<p>No buildings.</p></section>");
            return;
        }
        let (bw, bh, gap) = (190.0, 80.0, 260.0);
        let parallel_max = self.net.links.len().max(1) as f64;
        let w = (40.0 + buildings.len() as f64 * (bw + gap) - gap + 40.0).max(600.0);
        let h = 120.0 + bh + 30.0 * parallel_max.min(8.0);
        let centre = |b: InstanceId| -> Option<(f64, f64)> {
            let i = buildings.iter().position(|&x| x == b)? as f64;
            Some((40.0 + i * (bw + gap) + bw / 2.0, 60.0 + bh / 2.0))
        };
        let mut doc = document(w, h, "campus: buildings and campus links");
        let mut pair_count: BTreeMap<(InstanceId, InstanceId), u32> = BTreeMap::new();
        let pairs = self.net.links.iter().flat_map(|l| l.from.iter().flat_map(move |&a| l.to.iter().map(move |&b| (l, a, b))));
        for (link, a, b) in pairs {
            let (Some((x1, y1)), Some((x2, y2))) = (centre(a), centre(b)) else { continue };
            let n = pair_count.entry((a.min(b), a.max(b))).or_insert(0);
            *n += 1;
            let bend = 60.0 * f64::from(*n);
            let (cx, cy) = ((x1 + x2) / 2.0, y1.max(y2) + bh / 2.0 + bend);
            // The curve's lowest point, where its label goes.
            let apex = (y1 + y2 + bh) / 4.0 + cy / 2.0;
            let name = plant.path(link.instance);
            let delay = link.medium.and_then(|m| self.net.media[m as usize].delay_s_per_m).map(|d| d * link.distance_m);
            let used = link.capacity_bps.filter(|c| *c > 0.0).map(|c| link.crossing_bps / c);
            let label = format!(
                "{name}: {}, {}, {}{}",
                format_quantity(link.distance_m, Dim::LENGTH),
                delay.map_or("latency: no figure".to_string(), |d| format_quantity(d, Dim::TIME)),
                link.capacity_bps.map_or("no capacity given".to_string(), |c| format_quantity(c, Dim::DATA_RATE)),
                used.map_or(String::new(), |u| format!(", {:.0} % used", u * 100.0))
            );
            let colour = if used.is_some_and(|u| u > 1.0) { "#d7301f" } else { "#3182bd" };
            doc = doc
                .add(
                    Path::new()
                        .set("d", format!("M {} {} Q {} {} {} {}", px(x1), px(y1 + bh / 2.0), px(cx), px(cy), px(x2), px(y2 + bh / 2.0)))
                        .set("fill", "none")
                        .set("stroke", colour)
                        .set("stroke-width", "3")
                        .add(svg::node::element::Title::new(label.clone())),
                )
                .add(text(cx, apex + 14.0, "middle", 11.0, &label));
        }
        for &b in &buildings {
            let Some((x, y)) = centre(b) else { continue };
            let path = plant.path(b);
            let gpus = plant.subtree(b).filter(|&i| plant.kind(i) == Kind::Gpu).count();
            let it = self.it(b);
            let tooltip = format!("{path}: {} GPUs, IT power {}", group_thousands(gpus as u128), format_quantity(it, Dim::POWER));
            doc = doc
                .add(rect(x - bw / 2.0, y - bh / 2.0, bw, bh, "#f0f0f0", &tooltip))
                .add(text(x, y - 12.0, "middle", 13.0, &path))
                .add(text(x, y + 6.0, "middle", 11.0, &format!("{} GPUs", group_thousands(gpus as u128))))
                .add(text(x, y + 22.0, "middle", 11.0, &format_quantity(it, Dim::POWER)));
        }
        let _ = write!(
            out,
            "<figure id=\"campus-map\">{doc}<figcaption>Buildings with their GPUs and IT power; each campus link with its length, one-way latency, capacity and the share the fabrics' cables use.</figcaption></figure></section>"
        );
    }

    /// A floor plan per hall: rows and racks at their positions, each rack coloured by its
    /// power against its limit, generated end-of-row and spine racks included.
    pub(super) fn halls(&self, out: &mut String) {
        let plant = self.plant;
        out.push_str("<section id=\"halls\"><h2>Halls</h2>");
        let mut by_hall: BTreeMap<InstanceId, Vec<usize>> = BTreeMap::new();
        for (i, r) in self.inv.racks.iter().enumerate() {
            by_hall.entry(r.hall).or_default().push(i);
        }
        for (hall, racks) in by_hall {
            let path = plant.path(hall);
            let rows = racks.iter().map(|&i| self.inv.racks[i].row_index).max().unwrap_or(0) + 1;
            let positions = racks.iter().map(|&i| self.inv.racks[i].position).max().unwrap_or(0) + 1;
            let (cell, pitch, left, top) = (16.0, 30.0, 90.0, 30.0);
            let w = (left + f64::from(positions) * cell + 20.0).max(1060.0);
            let h = top + f64::from(rows) * pitch + 52.0;
            let mut doc = document(w, h, &format!("floor plan of {path}"));
            let mut row_names: BTreeMap<u32, String> = BTreeMap::new();
            let mut over: Vec<String> = Vec::new();
            let (mut it_sum, mut limited_it, mut limit_sum, mut limited) = (0.0, 0.0, 0.0, 0usize);
            for &i in &racks {
                let r = &self.inv.racks[i];
                let (it, limit, generated) = self.rack_power(r.rack, &r.name);
                it_sum += it;
                if let Some(l) = limit {
                    limited_it += it;
                    limit_sum += l;
                    limited += 1;
                }
                let colour = if generated && limit.is_none_or(|l| it <= l) { "#9ecae1" } else { headroom_colour(it, limit) };
                if limit.is_some_and(|l| it > l * (1.0 + 1e-9)) {
                    over.push(r.name.clone());
                }
                let tooltip = match limit {
                    Some(l) => format!(
                        "{}: {} of {} ({:.0} %)",
                        r.name,
                        format_quantity(it, Dim::POWER),
                        format_quantity(l, Dim::POWER),
                        if l > 0.0 { 100.0 * it / l } else { 0.0 }
                    ),
                    None => format!("{}: {}", r.name, format_quantity(it, Dim::POWER)),
                };
                let x = left + f64::from(r.position) * cell;
                let y = top + f64::from(r.row_index) * pitch;
                doc = doc.add(rect(x, y, cell - 2.0, pitch - 8.0, colour, &tooltip));
                row_names.entry(r.row_index).or_insert_with(|| {
                    let name = &r.name[path.len().min(r.name.len())..];
                    let name = name.trim_start_matches('.');
                    name.split('.').next().unwrap_or_default().to_string()
                });
            }
            for (row, name) in &row_names {
                doc = doc.add(text(left - 8.0, top + f64::from(*row) * pitch + 15.0, "end", 11.0, name));
            }
            doc = doc.add(headroom_legend(left, h - 34.0));
            let hall_limit = plant.field(hall, "power_limit").and_then(|f| f.number());
            let w = |x: f64| format_quantity(x, Dim::POWER);
            let _ = write!(
                out,
                "<figure id=\"{}\"><h3>{}</h3>{doc}<figcaption>{} racks in {} rows; IT power {}{}{}.",
                anchor("hall", &path),
                super::escape(&path),
                racks.len(),
                rows,
                w(it_sum),
                match hall_limit {
                    Some(l) if l > 0.0 => format!(" of the hall's {} limit ({:.0} %)", w(l), 100.0 * it_sum / l),
                    _ => String::new(),
                },
                if limited > 0 {
                    format!("; the {limited} racks with a limit of their own draw {} of their {}", w(limited_it), w(limit_sum))
                } else {
                    String::new()
                }
            );
            if !over.is_empty() {
                let shown: Vec<String> = over
                    .iter()
                    .take(12)
                    .map(|n| {
                        // The rack's own diagnostics, linked to their entries below.
                        let codes: Vec<String> = self
                            .report
                            .diagnostics
                            .iter()
                            .enumerate()
                            .filter(|(_, d)| d.path.as_deref() == Some(n.as_str()))
                            .map(|(i, d)| format!("<a href=\"#diagnostic-{i}\">{}</a>", d.code))
                            .collect();
                        let codes = if codes.is_empty() { String::new() } else { format!(" ({})", codes.join(", ")) };
                        format!("<code>{}</code>{codes}", super::escape(n))
                    })
                    .collect();
                let _ = write!(
                    out,
                    " <strong class=\"bad\">Over their limit: {}{}</strong>",
                    shown.join(", "),
                    if over.len() > 12 { " …" } else { "" }
                );
            }
            out.push_str("</figcaption></figure>");
        }
        out.push_str("</section>");
    }

    /// IT power, power limit and whether a rack is generated.
    fn rack_power(&self, rack: RackRef, name: &str) -> (f64, Option<f64>, bool) {
        match rack {
            RackRef::Plant(id) => (self.it(id), self.plant.field(id, "power_limit").and_then(|f| f.number()), false),
            RackRef::Generated(_) => {
                let entity = self.report.entities.iter().find(|e| e.generated && e.path == name);
                (entity.map_or(0.0, |e| e.it_power_w), entity.and_then(|e| e.power_limit_w), true)
            }
        }
    }

    /// Rack elevations: each distinct rack (the same devices at the same units) drawn once,
    /// with how many racks look like it.
    pub(super) fn racks(&self, out: &mut String) {
        out.push_str("<section id=\"racks\"><h2>Rack elevations</h2><p>Each distinct rack once, U1 at the bottom: <span style=\"background:#fdae6b\">GPU servers and trays</span> <span style=\"background:#bcbddc\">NVLink switches</span> <span style=\"background:#9ecae1\">fabric switches</span> <span style=\"background:#d9d9d9\">other devices</span>.</p><div class=\"grid\">");
        let program = &self.plant.program;
        let mut contents: Vec<Vec<Placed>> = vec![Vec::new(); self.inv.racks.len()];
        let index: std::collections::HashMap<RackRef, usize> = self.inv.racks.iter().enumerate().map(|(i, r)| (r.rack, i)).collect();
        for d in &self.inv.devices {
            let (Some(&r), Some(pos)) = (index.get(&d.rack), d.position_u) else { continue };
            let ty = program.decl(d.device_type).name.clone().unwrap_or_default();
            contents[r].push((pos, d.units, ty, d.role));
        }
        let mut groups: Vec<(Vec<Placed>, u32, Vec<usize>)> = Vec::new();
        let mut seen: std::collections::HashMap<(Vec<Placed>, u32), usize> = std::collections::HashMap::new();
        for (i, c) in contents.into_iter().enumerate() {
            let key = (c, self.inv.racks[i].units);
            match seen.get(&key) {
                Some(&g) => groups[g].2.push(i),
                None => {
                    seen.insert(key.clone(), groups.len());
                    groups.push((key.0, key.1, vec![i]));
                }
            }
        }
        let shown = groups.len().min(MAX_ELEVATIONS);
        for (devices, units, members) in groups.iter().take(shown) {
            let u = 9.0;
            let (w, top) = (230.0, 20.0);
            let h = top + f64::from(*units) * u + 30.0;
            let first = &self.inv.racks[members[0]].name;
            let mut doc = document(w, h, &format!("elevation of {first}"));
            doc = doc.add(rect(40.0, top, 150.0, f64::from(*units) * u, "#fafafa", &format!("{units} U")));
            for k in (1..=*units).filter(|k| k % 4 == 1) {
                doc = doc.add(text(36.0, top + f64::from(*units - k + 1) * u - 1.0, "end", 8.0, &k.to_string()));
            }
            for (pos, height, ty, role) in devices {
                let height = (*height).max(1);
                let y = top + f64::from(units.saturating_sub(pos + height - 1)) * u;
                let colour = match *role {
                    "gpu-server" => "#fdae6b",
                    "nvlink-switch" => "#bcbddc",
                    "leaf-switch" | "spine-switch" | "core-switch" => "#9ecae1",
                    _ => "#d9d9d9",
                };
                doc = doc.add(rect(40.0, y, 150.0, f64::from(height) * u, colour, &format!("U{pos}: {ty} ({role}, {height} U)")));
                if height as f64 * u >= 8.0 {
                    doc = doc.add(text(115.0, y + f64::from(height) * u / 2.0 + 3.0, "middle", 8.0, ty));
                }
            }
            doc = doc.add(line(40.0, top, 190.0, top, "#444", 1.0));
            let _ = write!(
                out,
                "<figure>{doc}<figcaption><code>{}</code>{}</figcaption></figure>",
                super::escape(first),
                if members.len() > 1 {
                    format!(" and {} more like it", group_thousands((members.len() - 1) as u128))
                } else {
                    String::new()
                }
            );
        }
        out.push_str("</div>");
        if groups.len() > shown {
            let _ = write!(out, "<p>{} more distinct racks are not drawn.</p>", groups.len() - shown);
        }
        out.push_str("</section>");
    }
}

/// A device as an elevation draws it: its lowest unit, its height, its type and role.
type Placed = (u32, u32, String, &'static str);

/// Most distinct rack elevations drawn.
const MAX_ELEVATIONS: usize = 48;
