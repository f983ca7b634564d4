//! The generator's state while it builds the network of one plant, and the small helpers
//! every part of it uses.

use super::model::*;
use crate::diagnostic::Label;
use crate::plant::{InstanceId, Plant};
use crate::resolve::DeclId;
use std::collections::HashMap;

pub(super) struct Generator<'a> {
    pub(super) plant: &'a Plant,
    pub(super) net: Network,
    pub(super) media_index: HashMap<DeclId, u16>,
    pub(super) optic_index: HashMap<DeclId, u16>,
    pub(super) rack_units_used: HashMap<InstanceId, f64>,
    /// Per hall: its building and geometry (rack width, row pitch, slack), read once.
    pub(super) halls: HashMap<InstanceId, (Option<InstanceId>, f64, f64, f64)>,
    /// Per switch type: whether it has co-packaged optics, read once.
    pub(super) cpo: HashMap<DeclId, bool>,
}

impl<'a> Generator<'a> {
    /// A generator with an empty network.
    pub(super) fn new(plant: &'a Plant) -> Generator<'a> {
        Generator {
            plant,
            net: Network::default(),
            media_index: HashMap::new(),
            optic_index: HashMap::new(),
            rack_units_used: HashMap::new(),
            halls: HashMap::new(),
            cpo: HashMap::new(),
        }
    }

    pub(super) fn error_at_field(&self, decl: DeclId, field: &str) -> Label {
        let d = self.plant.program.decl(decl);
        match self.plant.program.field(decl, field).and_then(|f| f.set().map(|s| s.span)) {
            Some(span) => Label::new(d.file, span, ""),
            None => Label::new(d.file, d.name_span, ""),
        }
    }

    pub(super) fn take_port(&mut self, end: End) -> End {
        match end {
            End::Switch { switch, .. } => {
                let s = &mut self.net.switches[switch];
                s.ports_used += 1;
                End::Switch { switch, port: s.ports_used }
            }
            nic => nic,
        }
    }
}
