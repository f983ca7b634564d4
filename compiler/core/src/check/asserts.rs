//! `assert`s, evaluated with the computed figures. Resolve lowered each condition (names,
//! constants and paths bound with the file's import scoping, everything known folded); here
//! the figures only the budgets stage knows are filled in (`power(path)` from the power
//! budget, `latency(a, b)` along the generated network, `count(path)` from the plant) and
//! the rest is folded with the language's one arithmetic ([`crate::resolve::fold`]). A false
//! assert reports its message and the value of each side.

use super::figures::{Budgets, LatencyFigure};
use super::latency::no_path;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::route::{Router, WorstPath};
use crate::plant::{InstanceId, Plant};
use crate::resolve::fold::{fold_aggregate, fold_binary, fold_neg, fold_not};
use crate::resolve::{Figure, Lowered, PlantPath, Value};
use crate::source::SourceFile;
use crate::units::format_quantity;
use fabric_syntax::Span;
use fabric_syntax::ast::ExprKind;

/// The figures an assert's conditions read, and what evaluating them found.
struct Figures<'a, 'b> {
    plant: &'a Plant,
    power: &'a [f64],
    router: &'a Router<'b>,
    latencies: Vec<LatencyFigure>,
    paths: Vec<WorstPath>,
    diagnostics: Vec<Diagnostic>,
}

/// Evaluates every assert.
pub fn check(plant: &Plant, router: &Router<'_>, budgets: &mut Budgets) {
    let program = plant.program.clone();
    let mut figures =
        Figures { plant, power: &budgets.power.it_power_w, router, latencies: Vec::new(), paths: Vec::new(), diagnostics: Vec::new() };
    let mut failures = Vec::new();
    for assert in &program.asserts {
        figures.paths.clear();
        // Each figure is computed once: the sides first where the condition compares two.
        let (value, sides) = match (&assert.condition.kind, &assert.sides) {
            (ExprKind::Binary(op, ..), Some((a, b))) => {
                let (a, b) = (figures.value(assert.file, a), figures.value(assert.file, b));
                (fold_binary(*op, &a, &b), Some((a, b)))
            }
            _ => (figures.value(assert.file, &assert.value), None),
        };
        if value != Value::Bool(false) {
            continue;
        }
        let mut d = Diagnostic::error(
            codes::E0310,
            match &assert.message {
                Some(m) => format!("assertion failed: {m}"),
                None => "assertion failed".to_string(),
            },
            Label::new(assert.file, assert.condition.span, "this is false"),
        );
        if let (ExprKind::Binary(op, lhs, rhs), Some((a, b))) = (&assert.condition.kind, &sides)
            && let (Value::Number { value: x, dim: dx }, Value::Number { value: y, .. }) = (a, b)
        {
            d = d
                .with_label(Label::new(assert.file, lhs.span, format!("= {}", format_quantity(*x, *dx))))
                .with_label(Label::new(assert.file, rhs.span, format!("= {}", format_quantity(*y, *dx))))
                .with_note(format!("{} {} {} is false", format_quantity(*x, *dx), op.as_str(), format_quantity(*y, *dx)));
        }
        for path in figures.paths.iter().take(2) {
            d = d.with_note(format!("worst one-way path: {}", path.explain()));
            let unknown = path.unknown();
            if !unknown.is_empty() {
                d = d.with_note(format!("no latency figure, counted as zero: {}", unknown.join(", ")));
            }
        }
        failures.push(d.with_help("fix the spec, or the assertion if the requirement changed"));
    }
    budgets.latencies.splice(0..0, figures.latencies);
    budgets.diagnostics.extend(figures.diagnostics);
    budgets.diagnostics.extend(failures);
}

impl Figures<'_, '_> {
    /// A lowered value with its figures filled in; [`Value::Error`] where one is missing.
    fn value(&mut self, file: SourceFile, value: &Value) -> Value {
        match value {
            Value::Deferred(_, tree) | Value::DeferredBool(tree) => self.lowered(file, tree),
            known => known.clone(),
        }
    }

    fn lowered(&mut self, file: SourceFile, tree: &Lowered) -> Value {
        match tree {
            Lowered::Known(v) => v.clone(),
            Lowered::Figure(figure, paths, span) => self.figure(file, *figure, paths, *span),
            Lowered::Neg(x) => fold_neg(&self.lowered(file, x)),
            Lowered::Not(x) => fold_not(&self.lowered(file, x)),
            Lowered::Binary(op, a, b) => {
                let (a, b) = (self.lowered(file, a), self.lowered(file, b));
                fold_binary(*op, &a, &b)
            }
            Lowered::Aggregate(aggregate, operands) => {
                let values: Vec<Value> = operands.iter().map(|o| self.lowered(file, o)).collect();
                fold_aggregate(*aggregate, &values)
            }
        }
    }

    fn figure(&mut self, file: SourceFile, figure: Figure, paths: &[PlantPath], span: Span) -> Value {
        let selected: Vec<Option<Vec<InstanceId>>> = paths.iter().map(|p| self.plant.select(p).ok()).collect();
        match (figure, selected.as_slice()) {
            (Figure::Count, [Some(s)]) => Value::Number { value: s.len() as f64, dim: crate::units::Dim::NONE },
            (Figure::Power, [Some(s)]) => {
                // An instance inside another selected one is already in that one's total.
                let mut sorted = s.clone();
                sorted.sort();
                let mut outer: Vec<InstanceId> = Vec::new();
                for id in sorted {
                    if outer.last().is_none_or(|&o| id.0 >= self.plant.get(o).subtree_end) {
                        outer.push(id);
                    }
                }
                Value::Number { value: outer.iter().map(|i| self.power[i.0 as usize]).sum(), dim: crate::units::Dim::POWER }
            }
            (Figure::Latency, [Some(a), Some(b)]) => {
                let (ea, eb) = (self.router.endpoints_for(a), self.router.endpoints_for(b));
                let (from, to) = (paths[0].to_string(), paths[1].to_string());
                match self.router.worst(&ea, &eb) {
                    Ok(path) => {
                        let seconds = path.seconds;
                        self.latencies.push(LatencyFigure { from, to, worst_one_way_s: seconds, unknown: path.unknown() });
                        self.paths.push(path);
                        Value::Number { value: seconds, dim: crate::units::Dim::TIME }
                    }
                    Err(why) => {
                        let d = no_path(file, span, &from, &to, why, "");
                        if !self.diagnostics.contains(&d) {
                            self.diagnostics.push(d);
                        }
                        Value::Error
                    }
                }
            }
            _ => Value::Error,
        }
    }
}
