//! The builtin functions: `sum`, `min`, `max`, `ceil`, `floor`, and `count`, `power` and
//! `latency`, which the budgets stage computes.

use super::fold::fold_aggregate;
use super::model::*;
use super::resolver::*;
use crate::diagnostic::{Diagnostic, Label, codes, did_you_mean};
use crate::units::Dim;
use fabric_syntax::Span;
use fabric_syntax::ast::{self, ExprKind};

impl Resolver<'_> {
    pub(super) fn call(&mut self, fi: FileIdx, callee: &ast::Ident, args: &[ast::Expr], span: Span, depth: usize) -> Value {
        let file = self.files[fi].file;
        let arity = match callee.name.as_str() {
            "ceil" | "floor" | "count" | "power" => Some(1),
            "latency" => Some(2),
            "sum" | "min" | "max" => None,
            other => {
                let mut d =
                    Diagnostic::error(codes::E0201, format!("unknown function `{other}`"), Label::new(file, callee.span, "not a builtin"));
                d = match did_you_mean(other, BUILTINS.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")).with_replacement(s),
                    None => d.with_help(format!("the builtins are {}", BUILTINS.join(", "))),
                };
                self.error(d);
                return Value::Error;
            }
        };
        if let Some(n) = arity
            && args.len() != n
        {
            self.error(
                Diagnostic::error(
                    codes::E0305,
                    format!("`{}` takes {n} argument{}, found {}", callee.name, if n == 1 { "" } else { "s" }, args.len()),
                    Label::new(file, span, "wrong number of arguments"),
                )
                .with_help(signature(&callee.name)),
            );
            return Value::Error;
        }
        let values: Vec<Value> = args.iter().map(|a| self.eval(fi, a, depth + 1)).collect();
        if values.iter().any(|v| matches!(v, Value::Error)) {
            return Value::Error;
        }
        match callee.name.as_str() {
            "count" | "power" | "latency" => {
                let mut paths = Vec::new();
                for (v, a) in values.iter().zip(args) {
                    if !matches!(v, Value::Path(_) | Value::Symbol(_)) {
                        let described = v.describe(&self.program);
                        self.error(
                            Diagnostic::error(
                                codes::E0304,
                                format!("`{}` needs a path, found {described}", callee.name),
                                Label::new(file, a.span, "not a path"),
                            )
                            .with_help(signature(&callee.name)),
                        );
                        return Value::Error;
                    }
                    match (v, &a.kind) {
                        (Value::Symbol(name), ast::ExprKind::Path(p)) => {
                            // A single name here is a site, link, fabric or service at the top level.
                            let path = PlantPath {
                                segments: vec![PathSegment { matcher: Matcher::Name(name.clone(), None), span: p.span }],
                                file,
                                span: p.span,
                            };
                            self.program.paths.push(path.clone());
                            paths.push(path);
                        }
                        (Value::Path(path), _) => paths.push(path.clone()),
                        _ => {}
                    }
                }
                let (figure, dim) = match callee.name.as_str() {
                    "count" => (Figure::Count, Dim::NONE),
                    "power" => (Figure::Power, Dim::POWER),
                    _ => (Figure::Latency, Dim::TIME),
                };
                let args_span = Span::new(args[0].span.start, args[args.len() - 1].span.end);
                Value::Deferred(dim, Box::new(Lowered::Figure(figure, paths, args_span)))
            }
            "ceil" | "floor" => match &values[0] {
                Value::Number { value, dim } => {
                    Value::Number { value: if callee.name == "ceil" { value.ceil() } else { value.floor() }, dim: *dim }
                }
                Value::Deferred(dim, tree) => {
                    let aggregate = if callee.name == "ceil" { Aggregate::Ceil } else { Aggregate::Floor };
                    Value::Deferred(*dim, Box::new(Lowered::Aggregate(aggregate, vec![(**tree).clone()])))
                }
                other => {
                    let described = other.describe(&self.program);
                    self.error(
                        Diagnostic::error(
                            codes::E0304,
                            format!("`{}` needs a number, found {described}", callee.name),
                            Label::new(file, args[0].span, "not a number"),
                        )
                        .with_help(signature(&callee.name)),
                    );
                    Value::Error
                }
            },
            _ => {
                let items: Vec<(Value, Span)> = if let ([Value::List(list)], [arg]) = (values.as_slice(), args) {
                    let spans: Vec<Span> = match &arg.kind {
                        ExprKind::List(exprs) => exprs.iter().map(|e| e.span).collect(),
                        _ => vec![arg.span; list.len()],
                    };
                    list.iter().cloned().zip(spans).collect()
                } else {
                    values.into_iter().zip(args.iter().map(|a| a.span)).collect()
                };
                if items.is_empty() {
                    self.error(
                        Diagnostic::error(codes::E0305, format!("`{}` of nothing", callee.name), Label::new(file, span, "no values"))
                            .with_help(signature(&callee.name)),
                    );
                    return Value::Error;
                }
                let aggregate = match callee.name.as_str() {
                    "sum" => Aggregate::Sum,
                    "min" => Aggregate::Min,
                    _ => Aggregate::Max,
                };
                let mut operands: Vec<Value> = Vec::with_capacity(items.len());
                let mut first: Option<(Dim, Span)> = None;
                for (v, s) in items {
                    let d = match &v {
                        Value::Number { dim, .. } | Value::Deferred(dim, _) => *dim,
                        other => {
                            let described = other.describe(&self.program);
                            self.error(
                                Diagnostic::error(
                                    codes::E0304,
                                    format!("`{}` needs numbers, found {described}", callee.name),
                                    Label::new(file, s, "not a number"),
                                )
                                .with_help(signature(&callee.name)),
                            );
                            return Value::Error;
                        }
                    };
                    match first {
                        None => first = Some((d, s)),
                        Some((d0, s0)) if d0 != d => {
                            self.error(
                                Diagnostic::error(
                                    codes::E0303,
                                    format!("`{}` of a {} and a {}", callee.name, d0.name(), d.name()),
                                    Label::new(file, s0, format!("this is a {}", d0.name())),
                                )
                                .with_label(Label::new(file, s, format!("this is a {}", d.name())))
                                .with_help(format!("`{}` needs values of one dimension", callee.name)),
                            );
                            return Value::Error;
                        }
                        Some(_) => {}
                    }
                    operands.push(v);
                }
                match first {
                    Some((dim, _)) if operands.iter().any(|v| matches!(v, Value::Deferred(..))) => {
                        Value::Deferred(dim, Box::new(Lowered::Aggregate(aggregate, operands.into_iter().map(Value::lowered).collect())))
                    }
                    Some(_) => fold_aggregate(aggregate, &operands),
                    None => Value::Error,
                }
            }
        }
    }
}

/// The builtin functions of expressions.
pub const BUILTINS: &[&str] = &["sum", "min", "max", "ceil", "floor", "count", "power", "latency"];

/// A builtin's signature and what it computes, in Markdown.
pub fn signature(name: &str) -> String {
    match name {
        "count" => "`count(path)`: the number of instances the path matches".into(),
        "power" => "`power(path)`: the total IT power under the path".into(),
        "latency" => "`latency(a, b)`: the worst one-way latency between endpoints under `a` and under `b`".into(),
        "ceil" | "floor" => format!("`{name}(x)`: x rounded {}", if name == "ceil" { "up" } else { "down" }),
        _ => format!("`{name}(a, b, …)` or `{name}([a, b, …])`: values of one dimension"),
    }
}
