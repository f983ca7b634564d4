//! `assert`s, evaluated with the computed figures: `power(path)` from the power budget,
//! `latency(a, b)` along the generated network, `count(path)` from the plant. A false
//! assert reports its message and the value of each side.

use super::latency::no_path;
use super::{Budgets, LatencyFigure};
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::network::Network;
use crate::network::route::{Router, WorstPath};
use crate::plant::{InstanceId, Plant};
use crate::resolve::PlantPath;
use crate::source::SourceFile;
use crate::units::{Dim, format_quantity, parse_unit};
use fabric_syntax::ast::{self, BinaryOp, ExprKind, UnaryOp};

/// A value while evaluating an assert.
#[derive(Clone, PartialEq, Debug)]
enum Val {
    Num(f64, Dim),
    Bool(bool),
    Text(String),
    Path(PlantPath),
    List(Vec<Val>),
    /// Not computable (its problem is reported elsewhere).
    Unknown,
}

struct Evaluator<'a, 'b> {
    plant: &'a Plant,
    power: &'a [f64],
    router: &'a Router<'b>,
    latencies: Vec<LatencyFigure>,
    paths: Vec<WorstPath>,
    diagnostics: Vec<Diagnostic>,
}

/// Evaluates every assert.
pub fn check(plant: &Plant, _network: &Network, router: &Router<'_>, budgets: &mut Budgets) {
    let program = plant.program.clone();
    let mut ev =
        Evaluator { plant, power: &budgets.power.it_power_w, router, latencies: Vec::new(), paths: Vec::new(), diagnostics: Vec::new() };
    let mut failures = Vec::new();
    for assert in &program.asserts {
        ev.paths.clear();
        let value = ev.eval(assert.file, &assert.condition, 0);
        if value != Val::Bool(false) {
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
        if let ExprKind::Binary(op, lhs, rhs) = &assert.condition.kind {
            let (a, b) = (ev.eval(assert.file, lhs, 0), ev.eval(assert.file, rhs, 0));
            if let (Val::Num(x, dx), Val::Num(y, _)) = (&a, &b) {
                d = d
                    .with_label(Label::new(assert.file, lhs.span, format!("= {}", format_quantity(*x, *dx))))
                    .with_label(Label::new(assert.file, rhs.span, format!("= {}", format_quantity(*y, *dx))))
                    .with_note(format!("{} {} {} is false", format_quantity(*x, *dx), op.as_str(), format_quantity(*y, *dx)));
            }
        }
        for path in ev.paths.iter().take(2) {
            d = d.with_note(format!("worst one-way path: {}", path.explain()));
            let unknown = path.unknown();
            if !unknown.is_empty() {
                d = d.with_note(format!("no latency figure, counted as zero: {}", unknown.join(", ")));
            }
        }
        failures.push(d.with_help("fix the spec, or the assertion if the requirement changed"));
    }
    budgets.latencies.splice(0..0, ev.latencies);
    budgets.diagnostics.extend(ev.diagnostics);
    budgets.diagnostics.extend(failures);
}

impl Evaluator<'_, '_> {
    fn path_at(&self, file: SourceFile, span: fabric_syntax::Span) -> Option<PlantPath> {
        self.plant.program.paths.iter().find(|p| p.file == file && p.span == span).cloned()
    }

    fn eval(&mut self, file: SourceFile, expr: &ast::Expr, depth: usize) -> Val {
        if depth > 200 {
            return Val::Unknown;
        }
        match &expr.kind {
            ExprKind::Number { value, unit: None } => Val::Num(*value, Dim::NONE),
            ExprKind::Number { value, unit: Some(u) } => match parse_unit(&u.name) {
                Ok(unit) => Val::Num(value * unit.factor, unit.dim),
                Err(_) => Val::Unknown,
            },
            ExprKind::Bool(b) => Val::Bool(*b),
            ExprKind::Str(s) => Val::Text(s.clone()),
            ExprKind::Paren(inner) => self.eval(file, inner, depth + 1),
            ExprKind::List(items) => Val::List(items.iter().map(|e| self.eval(file, e, depth + 1)).collect()),
            ExprKind::Error => Val::Unknown,
            ExprKind::Path(p) => {
                if let Some(name) = p.as_name() {
                    let program = self.plant.program.clone();
                    let constant = program
                        .consts
                        .iter()
                        .find(|c| c.name == name.name && c.file == file)
                        .or_else(|| program.consts.iter().find(|c| c.name == name.name));
                    if let Some(c) = constant {
                        return self.eval(c.file, &c.expr, depth + 1);
                    }
                    return match self.path_at(file, p.span) {
                        Some(path) => Val::Path(path),
                        None => Val::Text(name.name.clone()),
                    };
                }
                self.path_at(file, p.span).map_or(Val::Unknown, Val::Path)
            }
            ExprKind::Unary(op, inner) => match (op, self.eval(file, inner, depth + 1)) {
                (UnaryOp::Neg, Val::Num(v, d)) => Val::Num(-v, d),
                (UnaryOp::Not, Val::Bool(b)) => Val::Bool(!b),
                _ => Val::Unknown,
            },
            ExprKind::Binary(op, lhs, rhs) => {
                let (a, b) = (self.eval(file, lhs, depth + 1), self.eval(file, rhs, depth + 1));
                binary(*op, a, b)
            }
            ExprKind::Call(callee, args) => {
                let values: Vec<Val> = args.iter().map(|a| self.eval(file, a, depth + 1)).collect();
                self.call(file, &callee.name, &values, args, expr.span)
            }
        }
    }

    fn select(&self, v: &Val) -> Option<Vec<InstanceId>> {
        match v {
            Val::Path(p) => self.plant.select(p).ok(),
            _ => None,
        }
    }

    fn call(&mut self, file: SourceFile, name: &str, values: &[Val], args: &[ast::Expr], span: fabric_syntax::Span) -> Val {
        match name {
            "count" => self.select(&values[0]).map_or(Val::Unknown, |s| Val::Num(s.len() as f64, Dim::NONE)),
            "power" => {
                let Some(mut selected) = self.select(&values[0]) else { return Val::Unknown };
                // An instance inside another selected one is already in that one's total.
                selected.sort();
                let mut outer: Vec<InstanceId> = Vec::new();
                for id in selected {
                    if outer.last().is_none_or(|&o| id.0 >= self.plant.get(o).subtree_end) {
                        outer.push(id);
                    }
                }
                Val::Num(outer.iter().map(|i| self.power[i.0 as usize]).sum(), Dim::POWER)
            }
            "latency" => {
                let (Some(a), Some(b)) = (self.select(&values[0]), self.select(&values[1])) else { return Val::Unknown };
                let (ea, eb) = (self.router.endpoints_for(&a), self.router.endpoints_for(&b));
                let text = |v: &Val| match v {
                    Val::Path(p) => p.to_string(),
                    _ => String::new(),
                };
                match self.router.worst(&ea, &eb) {
                    Ok(path) => {
                        let seconds = path.seconds;
                        self.latencies.push(LatencyFigure {
                            from: text(&values[0]),
                            to: text(&values[1]),
                            worst_one_way_s: seconds,
                            unknown: path.unknown(),
                        });
                        self.paths.push(path);
                        Val::Num(seconds, Dim::TIME)
                    }
                    Err(why) => {
                        let d = no_path(
                            file,
                            args.first()
                                .map_or(span, |a| fabric_syntax::Span::new(a.span.start, args.last().map_or(a.span.end, |l| l.span.end))),
                            &text(&values[0]),
                            &text(&values[1]),
                            why,
                            "",
                        );
                        if !self.diagnostics.contains(&d) {
                            self.diagnostics.push(d);
                        }
                        Val::Unknown
                    }
                }
            }
            "ceil" | "floor" => match &values[0] {
                Val::Num(v, d) => Val::Num(if name == "ceil" { v.ceil() } else { v.floor() }, *d),
                _ => Val::Unknown,
            },
            _ => {
                let items: Vec<Val> = match values {
                    [Val::List(list)] => list.clone(),
                    _ => values.to_vec(),
                };
                let mut acc: Option<(f64, Dim)> = None;
                for v in items {
                    let Val::Num(x, d) = v else { return Val::Unknown };
                    acc = Some(match (acc, name) {
                        (None, _) => (x, d),
                        (Some((a, _)), "sum") => (a + x, d),
                        (Some((a, _)), "min") => (a.min(x), d),
                        (Some((a, _)), _) => (a.max(x), d),
                    });
                }
                acc.map_or(Val::Unknown, |(v, d)| Val::Num(v, d))
            }
        }
    }
}

fn binary(op: BinaryOp, a: Val, b: Val) -> Val {
    match (op, a, b) {
        (BinaryOp::And, Val::Bool(x), Val::Bool(y)) => Val::Bool(x && y),
        (BinaryOp::Or, Val::Bool(x), Val::Bool(y)) => Val::Bool(x || y),
        (BinaryOp::Eq, Val::Bool(x), Val::Bool(y)) => Val::Bool(x == y),
        (BinaryOp::Ne, Val::Bool(x), Val::Bool(y)) => Val::Bool(x != y),
        (BinaryOp::Eq, Val::Text(x), Val::Text(y)) => Val::Bool(x == y),
        (BinaryOp::Ne, Val::Text(x), Val::Text(y)) => Val::Bool(x != y),
        (op, Val::Num(x, dx), Val::Num(y, dy)) => match op {
            BinaryOp::Add => Val::Num(x + y, dx),
            BinaryOp::Sub => Val::Num(x - y, dx),
            BinaryOp::Mul => Val::Num(x * y, dx.times(dy)),
            BinaryOp::Div if y == 0.0 => Val::Unknown,
            BinaryOp::Div => Val::Num(x / y, dx.per(dy)),
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                Val::Bool(crate::resolve::compare(op, x, y))
            }
            BinaryOp::And | BinaryOp::Or => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}
