//! What a scenario's paths name: plant instances and campus links through the plant's own
//! path matching, and generated racks and switches by their canonical names
//! (`campus.b1.h1.r[1].eor[1].scaleout_leaf[2]`), matched segment by segment with the same
//! rules (`*`, `**`, indexes and ranges).

use crate::network::{Network, SwitchId, rack_name, switch_name};
use crate::plant::{InstanceId, PathMiss, Plant};
use crate::resolve::{Matcher, PathSegment, PlantPath};
use crate::schema::Kind;
use crate::source::SourceFile;
use fabric_syntax::Span;
use fabric_syntax::ast::{ExprKind, SegmentKind};

/// One thing that fails.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Failed {
    /// A plant instance and everything in it (a node, rack, row, hall or building).
    Instance(InstanceId),
    /// A generated switch.
    Switch(SwitchId),
    /// A generated rack and the switches in it.
    GeneratedRack(u32),
    /// A campus link, by its index in [`Network::links`].
    Link(u32),
}

impl Failed {
    /// Its canonical name.
    pub fn name(self, plant: &Plant, net: &Network) -> String {
        match self {
            Failed::Instance(id) => plant.path(id),
            Failed::Switch(s) => switch_name(plant, net, s),
            Failed::GeneratedRack(g) => rack_name(plant, net, crate::network::RackRef::Generated(g)),
            Failed::Link(l) => plant.path(net.links[l as usize].instance),
        }
    }
}

/// The canonical names of what the generator made, split into segments, with what fails.
pub struct GeneratedNames {
    names: Vec<(Vec<Segment>, Failed)>,
}

/// One segment of a canonical name: its name and index.
type Segment = (String, Option<i64>);

impl GeneratedNames {
    /// Every generated rack and switch of `net`.
    pub fn new(plant: &Plant, net: &Network) -> GeneratedNames {
        let mut names = Vec::with_capacity(net.racks.len() + net.switches.len());
        for g in 0..net.racks.len() as u32 {
            let failed = Failed::GeneratedRack(g);
            names.push((split(&failed.name(plant, net)), failed));
        }
        for s in 0..net.switches.len() as u32 {
            let failed = Failed::Switch(SwitchId(s));
            names.push((split(&failed.name(plant, net)), failed));
        }
        GeneratedNames { names }
    }

    /// What `path` names among them, in order.
    fn select(&self, path: &PlantPath) -> Vec<Failed> {
        self.names.iter().filter(|(name, _)| matches(&path.segments, name)).map(|(_, f)| *f).collect()
    }

    /// Where `path` stops matching every generated name: the first segment no name
    /// matches after the ones before it, and the names that could have been there.
    fn miss(&self, path: &PlantPath) -> PathMiss {
        for k in (0..path.segments.len()).rev() {
            let prefix = &path.segments[..k];
            let mut candidates: Vec<String> = Vec::new();
            for (name, _) in &self.names {
                for j in 0..name.len() {
                    if matches(prefix, &name[..j]) {
                        candidates.push(name[j].0.clone());
                    }
                }
            }
            if !candidates.is_empty() {
                candidates.sort();
                candidates.dedup();
                return PathMiss { segment: k, candidates };
            }
        }
        PathMiss { segment: 0, candidates: Vec::new() }
    }
}

/// Splits a canonical name into `(name, index)` segments.
fn split(name: &str) -> Vec<Segment> {
    name.split('.')
        .map(|s| match s.split_once('[') {
            Some((n, rest)) => (n.to_string(), rest.trim_end_matches(']').parse().ok()),
            None => (s.to_string(), None),
        })
        .collect()
}

/// Whether a path's segments match a name's, with the plant's rules: a name without an
/// index matches every index, `*` one segment, `**` any number.
fn matches(path: &[PathSegment], name: &[Segment]) -> bool {
    let Some((first, rest)) = path.split_first() else { return name.is_empty() };
    match &first.matcher {
        Matcher::DoubleStar => (0..=name.len()).any(|k| matches(rest, &name[k..])),
        matcher => {
            let Some(((n, index), tail)) = name.split_first() else { return false };
            let here = match matcher {
                Matcher::Star => true,
                Matcher::Name(want, None) => want == n,
                Matcher::Name(want, Some(i)) => want == n && *index == Some(*i),
                Matcher::Range(want, a, b) => want == n && index.is_some_and(|i| *a <= i && i <= *b),
                Matcher::DoubleStar => false,
            };
            here && matches(rest, tail)
        }
    }
}

/// What a scenario path names: plant instances (a `link` instance is its campus link), or
/// else generated racks and switches; where nothing matches, where the match ran dry and
/// what could have been there.
pub fn resolve(plant: &Plant, net: &Network, generated: &GeneratedNames, path: &PlantPath) -> Result<Vec<Failed>, PathMiss> {
    match plant.select(path) {
        Ok(ids) => Ok(ids
            .into_iter()
            .map(|id| match net.links.iter().position(|l| l.instance == id) {
                Some(l) if plant.kind(id) == Kind::Link => Failed::Link(l as u32),
                _ => Failed::Instance(id),
            })
            .collect()),
        Err(miss) => {
            let found = generated.select(path);
            if !found.is_empty() {
                return Ok(found);
            }
            // Report the deeper of the two places the match ran dry.
            let other = generated.miss(path);
            Err(match other.segment.cmp(&miss.segment) {
                std::cmp::Ordering::Greater => other,
                std::cmp::Ordering::Less => miss,
                std::cmp::Ordering::Equal => {
                    let mut candidates = miss.candidates;
                    candidates.extend(other.candidates);
                    candidates.sort();
                    candidates.dedup();
                    PathMiss { segment: miss.segment, candidates }
                }
            })
        }
    }
}

/// Parses a path written on the command line (`fabric check --fail PATH`): names with
/// whole-number indexes or ranges, `*` and `**`, joined by dots.
pub fn parse_target(text: &str, file: SourceFile) -> Result<PlantPath, String> {
    let expr = fabric_syntax::parse_expr(text).map_err(|_| format!("`{text}` is not a path"))?;
    let ExprKind::Path(path) = &expr.kind else { return Err(format!("`{text}` is not a path")) };
    let index = |e: &fabric_syntax::ast::Expr| match &e.kind {
        ExprKind::Number { value, unit: None } if value.fract() == 0.0 && *value >= 0.0 => Ok(*value as i64),
        _ => Err(format!("`{text}`: a path index on the command line is a whole number")),
    };
    let mut segments = Vec::new();
    for s in &path.segments {
        let matcher = match &s.kind {
            SegmentKind::Name(ident, None) => Matcher::Name(ident.name.clone(), None),
            SegmentKind::Name(ident, Some(i)) => Matcher::Name(ident.name.clone(), Some(index(i)?)),
            SegmentKind::Range(ident, a, b) => Matcher::Range(ident.name.clone(), index(a)?, index(b)?),
            SegmentKind::Star => Matcher::Star,
            SegmentKind::DoubleStar => Matcher::DoubleStar,
        };
        segments.push(PathSegment { matcher, span: s.span });
    }
    Ok(PlantPath { segments, file, span: Span::new(0, text.len() as u32) })
}
