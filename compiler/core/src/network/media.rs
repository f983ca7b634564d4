//! Cable media and optics: the records a fabric's cables point at, the stocked lengths a
//! run is cut to, whether a switch has co-packaged optics, and E0604 when no medium reaches.

use super::generator::Generator;
use super::model::*;
use super::names::end_name;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::resolve::DeclId;
use crate::units::{format_quantity, group_thousands};

/// The stocked cable lengths in metres (LANGUAGE.md section 7); beyond them, multiples of 50 m.
pub const STOCKED_LENGTHS_M: &[f64] = &[0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0];

/// The stocked length a run of `metres` needs.
pub fn stocked_length(metres: f64) -> f64 {
    STOCKED_LENGTHS_M.iter().copied().find(|&l| l >= metres - 1e-9).unwrap_or_else(|| ((metres - 1e-9) / 50.0).ceil() * 50.0)
}

impl Generator<'_> {
    pub(super) fn medium(&mut self, decl: DeclId) -> u16 {
        if let Some(&i) = self.media_index.get(&decl) {
            return i;
        }
        let program = &self.plant.program;
        let num = |name: &str| program.field(decl, name).and_then(|f| f.number());
        let optic_type = program.field(decl, "optic").and_then(|f| f.type_id());
        let optic = optic_type.map(|o| self.optic(o));
        let optic_reach = optic_type.and_then(|o| program.field(o, "reach")?.number());
        let reach = match (num("reach"), optic_reach) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let medium = Medium {
            decl,
            reach_m: reach,
            delay_s_per_m: num("delay"),
            needs_optic: program.field(decl, "needs_optic").and_then(|f| f.boolean()).unwrap_or(false),
            optic,
            end_power_w: num("end_power"),
        };
        let i = self.net.media.len() as u16;
        self.net.media.push(medium);
        self.media_index.insert(decl, i);
        i
    }

    pub(super) fn optic(&mut self, decl: DeclId) -> u16 {
        if let Some(&i) = self.optic_index.get(&decl) {
            return i;
        }
        let program = &self.plant.program;
        let num = |name: &str| program.field(decl, name).and_then(|f| f.number());
        let i = self.net.optics.len() as u16;
        self.net.optics.push(Optic { decl, power_w: num("power"), latency_s: num("latency") });
        self.optic_index.insert(decl, i);
        i
    }

    pub(super) fn switch_is_cpo(&mut self, ty: DeclId) -> bool {
        let program = &self.plant.program;
        *self.cpo.entry(ty).or_insert_with(|| program.field(ty, "optics").and_then(|f| f.text().map(|t| t == "cpo")).unwrap_or(false))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn unreachable(&mut self, decl: DeclId, name: &str, length: f64, count: u32, a: End, b: End, preference: &[u16]) {
        let program = self.plant.program.clone();
        let names: Vec<String> = preference
            .iter()
            .map(|&m| {
                let medium = self.net.media[m as usize];
                let n = program.decl(medium.decl).name.clone().unwrap_or_default();
                match medium.reach_m {
                    Some(r) => format!("{n} {}", format_quantity(r, crate::units::Dim::LENGTH)),
                    None => n,
                }
            })
            .collect();
        let field = if program.field(decl, "medium").and_then(|f| f.set().map(|_| ())).is_some() { "medium" } else { "endpoints" };
        self.net.diagnostics.push(
            Diagnostic::error(
                codes::E0604,
                format!(
                    "{} cable{} of fabric `{name}` {} longer than any medium reaches; the longest is {}",
                    group_thousands(u128::from(count)),
                    if count == 1 { "" } else { "s" },
                    if count == 1 { "is" } else { "are" },
                    format_quantity(length, crate::units::Dim::LENGTH)
                ),
                Label { message: "the cables of this fabric".into(), ..self.error_at_field(decl, field) },
            )
            .with_note(format!("the longest runs from {} to {}", end_name(self.plant, &self.net, a), end_name(self.plant, &self.net, b)))
            .with_note(format!("media tried, with their reach: {}", names.join(", ")))
            .with_path(name.to_string())
            .with_help("move the switches closer (leaf_placement, spine_racks), or name a `medium` with more reach"),
        );
    }
}
