//! Each fabric: its tiers with their switch counts and oversubscription, its cables by
//! medium and length, and co-packaged optics against pluggable transceivers, with what the
//! power CPO frees would buy in GPUs at this site's power per GPU.

use super::draw::{bars, document, line, rect, text};
use super::{Page, anchor};
use fabric_core::network::FabricId;
use fabric_core::units::{Dim, format_number, format_quantity, group_thousands};
use std::collections::BTreeMap;
use std::fmt::Write;

impl Page<'_> {
    pub(super) fn fabrics(&self, out: &mut String) {
        out.push_str("<section id=\"fabrics\"><h2>Fabrics</h2>");
        for (i, f) in self.report.fabrics.iter().enumerate() {
            let Some(net) = self.net.fabrics.get(i) else { continue };
            // The IT power per GPU of the fabric's own site.
            let site = fabric_core::network::fabric_building(self.plant, self.net, FabricId(i as u32))
                .and_then(|b| self.plant.ancestor(b, fabric_core::schema::Kind::Site));
            let watts_per_gpu = site.map_or(0.0, |s| {
                let gpus = self.plant.subtree(s).filter(|&g| self.plant.kind(g) == fabric_core::schema::Kind::Gpu).count();
                if gpus > 0 { self.it(s) / gpus as f64 } else { 0.0 }
            });
            let _ = write!(out, "<figure id=\"{}\"><h3>{}</h3><div class=\"grid\">", anchor("fabric", &f.name), super::escape(&f.name));
            // Tiers, top first.
            let program = &self.plant.program;
            let type_name = |t: usize| net.types[t].and_then(|d| program.decl(d).name.clone()).unwrap_or_default();
            let tiers: Vec<(String, u32, String)> = [(2usize, f.cores, "core"), (1, f.spines, "spine"), (0, f.leaves, "leaf")]
                .iter()
                .filter(|(_, n, _)| *n > 0)
                .map(|&(t, n, name)| (name.to_string(), n, type_name(t)))
                .collect();
            let (w, row) = (420.0, 70.0);
            let h = 40.0 + row * (tiers.len() as f64 + 1.0);
            let mut doc = document(w, h, &format!("tiers of fabric {}", f.name)).add(text(w / 2.0, 18.0, "middle", 13.0, "tiers"));
            for (k, (name, n, ty)) in tiers.iter().enumerate() {
                let y = 30.0 + k as f64 * row;
                if k + 1 < tiers.len() + 1 {
                    doc = doc.add(line(w / 2.0, y + 36.0, w / 2.0, y + row, "#888", 1.5));
                }
                doc = doc.add(rect(90.0, y, 240.0, 36.0, "#9ecae1", &format!("{n} {name} switches ({ty})"))).add(text(
                    w / 2.0,
                    y + 23.0,
                    "middle",
                    12.0,
                    &format!("{} × {ty} {name}", group_thousands(u128::from(*n))),
                ));
            }
            let y = 30.0 + tiers.len() as f64 * row;
            let (down, up) = net.down_up;
            doc = doc.add(rect(90.0, y, 240.0, 36.0, "#fdae6b", &format!("{} endpoints", f.endpoints))).add(text(
                w / 2.0,
                y + 23.0,
                "middle",
                12.0,
                &format!("{} NIC ports", group_thousands(u128::from(f.endpoints))),
            ));
            if up > 0 {
                let y = 30.0 + (tiers.len() as f64 - 1.0) * row + 36.0;
                doc = doc.add(text(w / 2.0 + 8.0, y + (row - 36.0) / 2.0 + 4.0, "start", 10.0, &format!("{down} down : {up} up per leaf")));
            }
            let _ = write!(
                out,
                "<div>{doc}<p>Oversubscription {}.</p></div>",
                if up > 0 { format_number(f64::from(down) / f64::from(up)) } else { "-".into() }
            );
            // Cables by medium and stocked length.
            let mut lengths: BTreeMap<(String, u64), u64> = BTreeMap::new();
            for c in &self.net.cables[net.cables.start as usize..net.cables.end as usize] {
                let medium = self.net.media.get(c.medium as usize).and_then(|m| program.decl(m.decl).name.clone()).unwrap_or_default();
                *lengths.entry((medium, (c.length_m * 10.0).round() as u64)).or_insert(0) += 1;
            }
            let mut items: Vec<(String, f64, String)> = lengths
                .iter()
                .map(|((m, l), n)| {
                    (format!("{m} {}", format_quantity(*l as f64 / 10.0, Dim::LENGTH)), *n as f64, group_thousands(u128::from(*n)))
                })
                .collect();
            let kinds = items.len();
            if kinds > 14 {
                items.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                items.truncate(14);
            }
            let title = if kinds > 14 {
                format!("cables by medium and stocked length (the 14 commonest of {kinds})")
            } else {
                "cables by medium and stocked length".to_string()
            };
            let _ = write!(
                out,
                "<div>{}<p>{} cables, {} in all.</p></div>",
                bars(&title, &items, "#74c476"),
                group_thousands(u128::from(f.cables)),
                format_quantity(f.cable_length_m, Dim::LENGTH)
            );
            // Co-packaged optics against pluggable transceivers.
            let plug = &f.pluggable_equivalent;
            let freed = (plug.optics_power_w - f.optics_power_w).max(0.0);
            let cmp = vec![
                ("as built".to_string(), f.transceivers as f64, format!("{} transceivers", group_thousands(u128::from(f.transceivers)))),
                (
                    "all pluggable".to_string(),
                    plug.transceivers as f64,
                    format!("{} transceivers", group_thousands(u128::from(plug.transceivers))),
                ),
            ];
            let power = vec![
                ("as built".to_string(), f.optics_power_w, format_quantity(f.optics_power_w, Dim::POWER)),
                ("all pluggable".to_string(), plug.optics_power_w, format_quantity(plug.optics_power_w, Dim::POWER)),
            ];
            let gpus_bought = if watts_per_gpu > 0.0 { (freed / watts_per_gpu).floor() } else { 0.0 };
            let _ = write!(
                out,
                "<div>{}{}<p>Co-packaged optics free {} of optics power: {} more GPUs at this site's {} of IT power per GPU.</p></div>",
                bars("transceivers", &cmp, "#9e9ac8"),
                bars("optics power", &power, "#9e9ac8"),
                format_quantity(freed, Dim::POWER),
                group_thousands(gpus_bought as u128),
                format_quantity(watts_per_gpu, Dim::POWER)
            );
            out.push_str("</div></figure>");
        }
        out.push_str("</section>");
    }
}
