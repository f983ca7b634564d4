//! Elaboration: the resolved program expanded into the plant, every instance with its
//! canonical path, kind, parent, physical position and source span.
//!
//! Instances are stored compactly in one vector in depth-first order: an instance's
//! subtree is the contiguous range after it, names are shared with the declaration they
//! come from, and links are indexes. The expansion limit is checked on counts before any
//! instance is allocated.

use crate::diagnostic::{Diagnostic, Label, Suggestion, codes, did_you_mean};
use crate::resolve::{DeclId, FieldRef, Matcher, PathSegment, PlantPath, Program, Value};
use crate::schema::{Kind, Role};
use crate::source::Limits;
use fabric_syntax::Span;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Index of an instance in [`Plant::instances`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct InstanceId(pub u32);

/// One instance of the plant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Instance {
    /// The declaration it comes from (its name, kind, fields and span).
    pub decl: DeclId,
    /// Its index, for an element of an array.
    pub index: Option<i64>,
    /// The instance that contains it.
    pub parent: Option<InstanceId>,
    /// One past the last instance of its subtree.
    pub subtree_end: u32,
    /// Its position among its parent's children (for a rack: its place in the row).
    pub ordinal: u32,
}

/// Where a rack stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RackPosition {
    /// The hall.
    pub hall: InstanceId,
    /// The row's index in the hall, from 0, in declaration order.
    pub row_index: u32,
    /// The rack's index in its row, from 0, in physical order.
    pub position: u32,
}

/// The elaborated spec.
#[derive(Clone, PartialEq, Debug)]
pub struct Plant {
    /// The program it was elaborated from.
    pub program: Arc<Program>,
    /// Every instance in depth-first order.
    pub instances: Vec<Instance>,
    /// Problems found while elaborating.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether elaboration stopped at the instance limit (E0902): the plant is partial.
    pub truncated: bool,
    /// In a failure scenario, per instance: whether it is out of service (down itself, or a
    /// GPU whose node lost its network or power). Workloads' placements leave these out.
    /// `None` outside scenarios.
    pub out_of_service: Option<Arc<Vec<bool>>>,
}

/// Why a path matched nothing: the segment where the match ran dry, and the names found there.
#[derive(Clone, PartialEq, Debug)]
pub struct PathMiss {
    /// Index of the segment that matched nothing.
    pub segment: usize,
    /// Names that segment could have matched.
    pub candidates: Vec<String>,
}

const ROOT: u32 = u32::MAX;

/// Expands `program` into its plant, checking the expansion limit and every path.
pub fn elaborate(program: Arc<Program>, limits: Limits) -> Plant {
    let mut plant =
        Plant { program: program.clone(), instances: Vec::new(), diagnostics: Vec::new(), truncated: false, out_of_service: None };
    let mut children: HashMap<DeclId, Vec<DeclId>> = HashMap::new();
    for i in 0..program.decls.len() {
        let id = DeclId(i as u32);
        let list: Vec<DeclId> =
            program.expanded_children(id).into_iter().filter(|c| program.decl(*c).kind.schema().role != Role::SubRecord).collect();
        children.insert(id, list);
    }
    // Count first, so that a huge array is refused before memory is spent on it.
    let mut sizes: HashMap<DeclId, u128> = HashMap::new();
    let mut culprit: Option<(DeclId, u128)> = None;
    let mut total: u128 = 0;
    for &root in &program.roots {
        let n =
            u128::from(program.decl(root).len()).saturating_mul(subtree_size(&program, root, &children, &mut sizes, limits, &mut culprit));
        total = total.saturating_add(n);
    }
    if total > u128::from(limits.max_instances) {
        let (decl_id, count) = culprit.unwrap_or((program.roots[0], total));
        let decl = program.decl(decl_id);
        let span = decl.array_span.unwrap_or(decl.name_span);
        plant.diagnostics.push(
            Diagnostic::error(
                codes::E0902,
                format!(
                    "the spec expands to {} instances; the limit is {}",
                    crate::units::group_thousands(total),
                    crate::units::group_thousands(u128::from(limits.max_instances))
                ),
                Label::new(decl.file, span, format!("this expands to {} instances", crate::units::group_thousands(count))),
            )
            .with_note("instances are counted before any is created; nothing was allocated for them")
            .with_help("check the array bounds; a campus of 131,072 GPUs needs well under a million instances"),
        );
        plant.truncated = true;
        return plant;
    }
    plant.instances.reserve_exact(total as usize);
    let mut ordinal = 0;
    for &root in &program.roots {
        plant.expand(root, None, &mut ordinal, &children);
    }
    for path in &program.paths {
        if let Err(miss) = plant.select(path) {
            plant.diagnostics.push(path_miss(codes::E0210, path, &miss));
        }
    }
    plant
}

/// The diagnostic for a path that matched nothing (`code`: E0210, or E1101 for a
/// scenario's): where the match ran dry, and the likeliest name meant or what is there.
pub fn path_miss(code: crate::diagnostic::Code, path: &PlantPath, miss: &PathMiss) -> Diagnostic {
    let segment = &path.segments[miss.segment];
    let prefix = PlantPath { segments: path.segments[..miss.segment].to_vec(), file: path.file, span: path.span };
    let what = match &segment.matcher {
        Matcher::Name(name, _) | Matcher::Range(name, ..) => format!("`{name}`"),
        Matcher::Star | Matcher::DoubleStar => "anything".into(),
    };
    let place = if miss.segment == 0 { "at the top level".to_string() } else { format!("in `{prefix}`") };
    let mut d = Diagnostic::error(
        code,
        format!("path `{path}` matches nothing"),
        Label::new(path.file, segment.span, format!("no {what} {place}")),
    );
    let suggestion = match &segment.matcher {
        Matcher::Name(name, _) | Matcher::Range(name, ..) => did_you_mean(name, miss.candidates.iter().map(String::as_str)),
        _ => None,
    };
    d = match (suggestion, miss.candidates.is_empty()) {
        (Some(s), _) => {
            // Only the name is replaced; an index after it stays.
            let written = match &segment.matcher {
                Matcher::Name(name, _) | Matcher::Range(name, ..) => name.len() as u32,
                _ => segment.span.end - segment.span.start,
            };
            let name_span = Span::new(segment.span.start, segment.span.start + written);
            d.with_help(format!("did you mean `{s}`?")).with_suggestion(Suggestion::replace(path.file, name_span, s))
        }
        (None, true) => d.with_help(format!("{place} there is nothing to match")),
        (None, false) => {
            let mut shown: Vec<String> = miss.candidates.iter().take(8).map(|c| format!("`{c}`")).collect();
            if miss.candidates.len() > 8 {
                shown.push("…".into());
            }
            d.with_help(format!("{place} there is {}", shown.join(", ")))
        }
    };
    d
}

fn subtree_size(
    program: &Program,
    decl: DeclId,
    children: &HashMap<DeclId, Vec<DeclId>>,
    sizes: &mut HashMap<DeclId, u128>,
    limits: Limits,
    culprit: &mut Option<(DeclId, u128)>,
) -> u128 {
    if let Some(&s) = sizes.get(&decl) {
        return s;
    }
    let mut size: u128 = 1;
    for &child in children.get(&decl).map(Vec::as_slice).unwrap_or_default() {
        let n = u128::from(program.decl(child).len()).saturating_mul(subtree_size(program, child, children, sizes, limits, culprit));
        if n > u128::from(limits.max_instances) && culprit.is_none() {
            *culprit = Some((child, n));
        }
        size = size.saturating_add(n);
    }
    sizes.insert(decl, size);
    size
}

impl Plant {
    fn expand(&mut self, decl: DeclId, parent: Option<InstanceId>, ordinal: &mut u32, children: &HashMap<DeclId, Vec<DeclId>>) {
        let d = self.program.decl(decl);
        let indexes: Box<dyn Iterator<Item = Option<i64>>> = match d.array {
            Some((lo, hi)) => Box::new((lo..=hi).map(Some)),
            None => Box::new(std::iter::once(None)),
        };
        for index in indexes {
            let id = InstanceId(self.instances.len() as u32);
            self.instances.push(Instance { decl, index, parent, subtree_end: 0, ordinal: *ordinal });
            *ordinal += 1;
            let mut child_ordinal = 0;
            for &child in children.get(&decl).map(Vec::as_slice).unwrap_or_default() {
                self.expand(child, Some(id), &mut child_ordinal, children);
            }
            self.instances[id.0 as usize].subtree_end = self.instances.len() as u32;
        }
    }

    /// The instance `id`.
    pub fn get(&self, id: InstanceId) -> &Instance {
        &self.instances[id.0 as usize]
    }

    /// The instance's kind.
    pub fn kind(&self, id: InstanceId) -> Kind {
        self.program.decl(self.get(id).decl).kind
    }

    /// The instance's own name (`k[3]`).
    pub fn name(&self, id: InstanceId) -> String {
        let inst = self.get(id);
        let name = self.program.decl(inst.decl).name.as_deref().unwrap_or("");
        match inst.index {
            Some(i) => format!("{name}[{i}]"),
            None => name.to_string(),
        }
    }

    /// The canonical path (`campus.b1.h1.r[2].k[3]`).
    pub fn path(&self, id: InstanceId) -> String {
        // Emitters ask for millions of paths at campus scale: one allocation each, written
        // from the root down, rather than a string per ancestor joined.
        let mut chain = [InstanceId(0); 32];
        let mut deeper = Vec::new();
        let mut len = 0;
        let mut current = Some(id);
        while let Some(c) = current {
            if len < chain.len() {
                chain[len] = c;
            } else {
                deeper.push(c);
            }
            len += 1;
            current = self.get(c).parent;
        }
        let mut out = String::with_capacity(16 * len);
        for (n, &c) in deeper.iter().rev().chain(chain[..len.min(chain.len())].iter().rev()).enumerate() {
            if n > 0 {
                out.push('.');
            }
            let inst = self.get(c);
            out.push_str(self.program.decl(inst.decl).name.as_deref().unwrap_or(""));
            if let Some(i) = inst.index {
                use std::fmt::Write;
                let _ = write!(out, "[{i}]");
            }
        }
        out
    }

    /// A field's value for an instance (own, type chain, or default).
    pub fn field(&self, id: InstanceId, name: &str) -> Option<FieldRef<'_>> {
        self.program.field(self.get(id).decl, name)
    }

    /// Top-level instances in order.
    pub fn roots(&self) -> impl Iterator<Item = InstanceId> + '_ {
        self.siblings_from(0, self.instances.len() as u32)
    }

    /// The instance's children in order.
    pub fn children(&self, id: InstanceId) -> impl Iterator<Item = InstanceId> + '_ {
        self.siblings_from(id.0 + 1, self.get(id).subtree_end)
    }

    fn siblings_from(&self, start: u32, end: u32) -> impl Iterator<Item = InstanceId> + '_ {
        let mut next = start;
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let id = InstanceId(next);
            next = self.get(id).subtree_end;
            Some(id)
        })
    }

    /// The instance and everything under it, in depth-first order.
    pub fn subtree(&self, id: InstanceId) -> impl Iterator<Item = InstanceId> + use<> {
        (id.0..self.get(id).subtree_end).map(InstanceId)
    }

    /// Where a rack stands: its hall, its row's index in the hall and its place in the row.
    pub fn rack_position(&self, id: InstanceId) -> Option<RackPosition> {
        if self.kind(id) != Kind::Rack {
            return None;
        }
        let row = self.get(id).parent?;
        let hall = self.get(row).parent?;
        Some(RackPosition { hall, row_index: self.get(row).ordinal, position: self.get(id).ordinal })
    }

    /// The nearest instance of `kind` among `id` and its ancestors.
    pub fn ancestor(&self, id: InstanceId, kind: Kind) -> Option<InstanceId> {
        let mut current = Some(id);
        while let Some(c) = current {
            if self.kind(c) == kind {
                return Some(c);
            }
            current = self.get(c).parent;
        }
        None
    }

    /// The outermost node holding `id` (a server, even where nodes nest: a tray in a chassis),
    /// `None` outside every node.
    pub fn outermost_node(&self, id: InstanceId) -> Option<InstanceId> {
        let mut node = self.ancestor(id, Kind::Node)?;
        while let Some(p) = self.get(node).parent.filter(|&p| self.kind(p) == Kind::Node) {
            node = p;
        }
        Some(node)
    }

    /// Scale-out line rate per GPU of `node`, bits/s: the sum of its NICs' `speed × ports`
    /// (ports default 1) over its GPUs (at least one); 0 without NICs.
    pub fn nic_bps_per_gpu(&self, node: InstanceId) -> f64 {
        let (mut bps, mut gpus) = (0.0, 0u32);
        for i in self.subtree(node) {
            match self.kind(i) {
                Kind::Nic => {
                    let speed = self.field(i, "speed").and_then(|f| f.number()).unwrap_or(0.0);
                    bps += speed * self.field(i, "ports").and_then(|f| f.number()).unwrap_or(1.0);
                }
                Kind::Gpu => gpus += 1,
                _ => {}
            }
        }
        bps / f64::from(gpus.max(1))
    }

    /// The NVLink domain `id` belongs to: its rack where the rack is one
    /// (`nvlink_domain = true`), else its outermost node; `None` outside both.
    pub fn nvlink_domain(&self, id: InstanceId) -> Option<InstanceId> {
        let mut node = None;
        let mut current = Some(id);
        while let Some(c) = current {
            match self.kind(c) {
                Kind::Node => node = Some(c),
                Kind::Rack => {
                    let nvlink = self.field(c, "nvlink_domain").and_then(|f| f.boolean()).unwrap_or(false);
                    return if nvlink { Some(c) } else { node };
                }
                _ => {}
            }
            current = self.get(c).parent;
        }
        node
    }

    /// The GPUs of an NVLink domain (or any subtree) that are in service.
    pub fn gpus_in_service(&self, domain: InstanceId) -> usize {
        self.subtree(domain).filter(|&i| self.kind(i) == Kind::Gpu && !self.out_of_service(i)).count()
    }

    /// How many instances of each kind.
    pub fn count_by_kind(&self) -> BTreeMap<Kind, usize> {
        let mut counts = BTreeMap::new();
        for inst in &self.instances {
            *counts.entry(self.program.decl(inst.decl).kind).or_insert(0) += 1;
        }
        counts
    }

    /// The instances a path matches, in plant order, or where the match ran dry.
    pub fn select(&self, path: &PlantPath) -> Result<Vec<InstanceId>, PathMiss> {
        let mut current: Vec<u32> = vec![ROOT];
        let last = path.segments.len().saturating_sub(1);
        for (i, segment) in path.segments.iter().enumerate() {
            let kids = |ids: &[u32]| -> Vec<InstanceId> {
                ids.iter()
                    .flat_map(|&c| -> Box<dyn Iterator<Item = InstanceId> + '_> {
                        if c == ROOT { Box::new(self.roots()) } else { Box::new(self.children(InstanceId(c))) }
                    })
                    .collect()
            };
            let next: Vec<u32> = match &segment.matcher {
                Matcher::DoubleStar => {
                    let mut all: Vec<u32> = Vec::new();
                    for &c in &current {
                        if c == ROOT {
                            all.push(ROOT);
                            all.extend(0..self.instances.len() as u32);
                        } else {
                            all.extend(self.subtree(InstanceId(c)).map(|x| x.0));
                        }
                    }
                    all
                }
                Matcher::Star => kids(&current).into_iter().map(|x| x.0).collect(),
                Matcher::Name(name, _) | Matcher::Range(name, ..) => {
                    let candidates = kids(&current);
                    let (index, range) = match &segment.matcher {
                        Matcher::Name(_, index) => (*index, None),
                        Matcher::Range(_, a, b) => (None, Some((*a, *b))),
                        _ => (None, None),
                    };
                    let by_name: Vec<u32> = candidates
                        .iter()
                        .filter(|&&c| {
                            let inst = self.get(c);
                            let indexed = match range {
                                Some((a, b)) => inst.index.is_some_and(|i| a <= i && i <= b),
                                None => index.is_none() || inst.index == index,
                            };
                            self.program.decl(inst.decl).name.as_deref() == Some(name.as_str()) && indexed
                        })
                        .map(|x| x.0)
                        .collect();
                    let selected = match Kind::from_name(name) {
                        Some(kind) if by_name.is_empty() && i == last && index.is_none() && range.is_none() => {
                            candidates.iter().filter(|&&c| self.kind(c) == kind).map(|x| x.0).collect()
                        }
                        _ => by_name,
                    };
                    if selected.is_empty() {
                        let mut names: Vec<String> =
                            candidates.iter().map(|&c| self.program.decl(self.get(c).decl).name.clone().unwrap_or_default()).collect();
                        names.sort();
                        names.dedup();
                        return Err(PathMiss { segment: i, candidates: names });
                    }
                    selected
                }
            };
            current = next;
            current.sort_unstable();
            current.dedup();
            if current.is_empty() {
                return Err(PathMiss { segment: i, candidates: vec![] });
            }
        }
        Ok(current.into_iter().filter(|&c| c != ROOT).map(InstanceId).collect())
    }
}

/// Field lookups through the plant: inherited figures, path-valued fields, placements.
impl Plant {
    /// A plant field as a number, looked up on the instance and then its ancestors.
    pub fn inherited_number(&self, id: InstanceId, name: &str) -> Option<f64> {
        let mut current = Some(id);
        while let Some(c) = current {
            if let Some(f) = self.field(c, name)
                && f.set().is_some()
            {
                return f.number();
            }
            current = self.get(c).parent;
        }
        self.field(id, name).and_then(|f| f.number())
    }

    /// The paths of a path-valued field of a declaration: one path, or each of a list (a
    /// single name is a path of one segment); none where it is not set.
    pub fn field_paths(&self, decl: DeclId, name: &str) -> Vec<PlantPath> {
        let Some(set) = self.program.field(decl, name).and_then(|f| f.set().cloned()) else { return Vec::new() };
        let one = |v: &Value| match v {
            Value::Path(p) => Some(p.clone()),
            Value::Symbol(s) => Some(PlantPath {
                segments: vec![PathSegment { matcher: Matcher::Name(s.clone(), None), span: set.span }],
                file: self.program.decl(decl).file,
                span: set.span,
            }),
            _ => None,
        };
        match &set.value {
            Value::List(items) => items.iter().filter_map(one).collect(),
            v => one(v).into_iter().collect(),
        }
    }

    /// The first path of a path-valued field (see [`Plant::field_paths`]): where it is
    /// written, for diagnostics and names.
    pub fn field_path(&self, decl: DeclId, name: &str) -> Option<PlantPath> {
        self.field_paths(decl, name).into_iter().next()
    }

    /// The instances every path of a path-valued field selects, in plant order without
    /// repeats; `None` where it is not set or one of its paths selects nothing.
    pub fn field_selection(&self, decl: DeclId, name: &str) -> Option<Vec<InstanceId>> {
        let paths = self.field_paths(decl, name);
        if paths.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for p in &paths {
            out.extend(self.select(p).ok()?);
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// Whether instance `id` is out of service in a failure scenario.
    pub fn out_of_service(&self, id: InstanceId) -> bool {
        self.out_of_service.as_ref().is_some_and(|o| o[id.0 as usize])
    }

    /// The GPUs under a workload's `placement` (every path of a list) that are in service,
    /// in plant order; none when it has no placement or a path selects nothing.
    pub fn placement_gpus(&self, decl: DeclId) -> Vec<InstanceId> {
        let mut gpus: Vec<InstanceId> = self
            .field_selection(decl, "placement")
            .unwrap_or_default()
            .iter()
            .flat_map(|&s| self.subtree(s))
            .filter(|&i| self.kind(i) == Kind::Gpu && !self.out_of_service(i))
            .collect();
        gpus.sort_unstable();
        gpus.dedup();
        gpus
    }
}

/// The query: the resolved spec elaborated into the plant, every instance placed.
#[salsa::tracked]
pub fn plant(db: &dyn salsa::Database, project: crate::source::Project) -> Arc<Plant> {
    Arc::new(elaborate(crate::resolve::program(db, project).clone(), project.limits(db)))
}
