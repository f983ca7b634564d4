//! The grammar's actions: the helpers the generated parser calls to build the tree (member
//! lists, numbers, operators cut when nested too deep). The generated parser imports this
//! module; this module imports neither it nor the parser facade.

use crate::ast::*;
use crate::lexer::NumberLit;

/// The deepest chain of operators in one expression (E0904): `1 + 1 + … + 1` nests one
/// level per operator.
pub const MAX_EXPRESSION_DEPTH: usize = 200;

thread_local! {
    /// The first expression the grammar's actions cut for being too deep, reported by
    /// [`parse`] as E0904.
    pub(crate) static TOO_DEEP: std::cell::Cell<Option<Span>> = const { std::cell::Cell::new(None) };
}

/// The depth of an expression's operator tree, counted without recursion and up to
/// `MAX_EXPRESSION_DEPTH + 1`.
fn depth(expr: &Expr) -> usize {
    let mut stack = vec![(expr, 1usize)];
    let mut deepest = 0;
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        if deepest > MAX_EXPRESSION_DEPTH {
            break;
        }
        match &e.kind {
            ExprKind::Binary(_, a, b) => {
                stack.push((a, d + 1));
                stack.push((b, d + 1));
            }
            ExprKind::Unary(_, a) | ExprKind::Paren(a) => stack.push((a, d + 1)),
            _ => {}
        }
    }
    deepest
}

/// `e` as is, or an error node (recorded for E0904) when it is nested too deeply; the cut
/// keeps the tree shallow for every later stage, including dropping it.
fn capped(e: Expr) -> Expr {
    if depth(&e) <= MAX_EXPRESSION_DEPTH {
        return e;
    }
    let span = e.span;
    TOO_DEEP.with(|t| {
        if t.get().is_none() {
            t.set(Some(span));
        }
    });
    Expr { kind: ExprKind::Error, span }
}

/// One entry of a member list before assert messages are attached; used by the grammar.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // short-lived: one list per body, consumed at once
pub enum Entry {
    Member(Member),
    /// A separator; its span is kept for the grammar's actions, not read after.
    #[allow(dead_code)]
    Comma(Span),
    Semi,
    Str(String, Span),
}

/// Builds a member list from grammar entries: attaches `, "message"` to the assert before
/// it, drops separators, and turns a stray string into an error node.
pub fn members_of(entries: Vec<Entry>) -> Vec<Member> {
    let mut members = Vec::with_capacity(entries.len());
    let mut entries = entries.into_iter().peekable();
    while let Some(entry) = entries.next() {
        match entry {
            Entry::Member(Member::Assert(mut assert)) => {
                if matches!(entries.peek(), Some(Entry::Comma(_))) {
                    entries.next();
                    if matches!(entries.peek(), Some(Entry::Str(..)))
                        && let Some(Entry::Str(text, span)) = entries.next()
                    {
                        assert.span = assert.span.cover(span);
                        assert.message = Some((text, span));
                    }
                }
                members.push(Member::Assert(assert));
            }
            Entry::Member(member) => members.push(member),
            Entry::Comma(_) | Entry::Semi => {}
            Entry::Str(_, span) => members.push(Member::Error(span)),
        }
    }
    members
}

/// A number literal with its unit, as an expression.
pub fn number_expr(n: NumberLit<'_>, l: u32, r: u32) -> Expr {
    let unit = n.unit.map(|u| {
        let start = l + n.unit_offset;
        Ident { name: u.to_string(), span: Span::new(start, start + u.len() as u32) }
    });
    Expr { kind: ExprKind::Number { value: n.value, unit }, span: Span::new(l, r) }
}

/// A binary operation, cut when nested too deeply.
pub fn binary(op: BinaryOp, a: Expr, b: Expr, l: u32, r: u32) -> Expr {
    capped(Expr { kind: ExprKind::Binary(op, Box::new(a), Box::new(b)), span: Span::new(l, r) })
}

/// A unary operation, cut when nested too deeply.
pub fn unary(op: UnaryOp, e: Expr, l: u32, r: u32) -> Expr {
    capped(Expr { kind: ExprKind::Unary(op, Box::new(e)), span: Span::new(l, r) })
}
