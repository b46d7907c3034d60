//! JMESPath as Kyverno evaluates it: the `jmespath` crate's parser and
//! built-in functions, Kyverno's custom functions (`pkg/engine/jmespath`), and
//! Kyverno's fork of go-jmespath's one semantic difference: a path through a
//! missing object key is an error ("Unknown key"), not `null`.
//!
//! Expressions are compiled once ([`compile`]); an unknown function is a
//! compile error, so a policy that calls one is a policy problem at its line,
//! not a failure on every resource.
//!
//! Time functions read the current time from a [`Clock`] passed to each search,
//! so tests are deterministic.

mod arithmetic;
mod collections;
mod convert;
mod go_time;
pub(crate) mod semver;
mod strings;
mod time;

use std::rc::Rc;
use std::sync::LazyLock;

use ::jmespath::ast::Ast;
use ::jmespath::functions::{ArgumentType, CustomFunction, Signature};
use ::jmespath::{ErrorReason, JmespathError, Rcvar, Runtime, RuntimeError, Variable};
use chrono::{DateTime, Utc};

pub use convert::{floats, to_float_variable, to_value, to_variable};

use crate::memo::ThreadMemo;
use crate::variables::VariableError;

/// Where the time functions (`time_now_utc`, `time_since` without an end…)
/// get "now" from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A fixed instant, for tests and reproducible runs.
    Fixed(DateTime<Utc>),
}

impl Clock {
    fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => at,
        }
    }
}

thread_local! {
    /// The clock of the search running on this thread. Functions are plain
    /// closures registered once in a shared runtime, so the clock travels
    /// beside the call rather than through it.
    static CURRENT_CLOCK: std::cell::Cell<Clock> = const { std::cell::Cell::new(Clock::System) };
}

pub(crate) fn now() -> DateTime<Utc> {
    CURRENT_CLOCK.with(|c| c.get()).now()
}

/// The runtime with JMESPath's built-ins and Kyverno's functions. Kyverno's
/// `sum` replaces the built-in one, as registering it does in go-jmespath.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let mut runtime = Runtime::new();
    runtime.register_builtin_functions();
    for (name, signature, function) in kyverno_functions() {
        runtime.register_function(name, Box::new(CustomFunction::new(signature, function)));
    }
    runtime
});

type Handler = Box<
    dyn Fn(&[Rcvar], &mut ::jmespath::Context<'_>) -> Result<Rcvar, JmespathError> + Send + Sync,
>;

fn kyverno_functions() -> Vec<(&'static str, Signature, Handler)> {
    let mut all = Vec::new();
    all.extend(strings::functions());
    all.extend(arithmetic::functions());
    all.extend(collections::functions());
    all.extend(time::functions());
    all.extend(semver::functions());
    all
}

/// The names of every function an expression may call, sorted.
pub fn function_names() -> Vec<String> {
    let mut names: Vec<String> = BUILTIN_NAMES.iter().map(|s| (*s).to_owned()).collect();
    names.extend(
        kyverno_functions()
            .into_iter()
            .map(|(n, _, _)| n.to_owned()),
    );
    names.sort();
    names.dedup();
    names
}

const BUILTIN_NAMES: &[&str] = &[
    "abs",
    "avg",
    "ceil",
    "contains",
    "ends_with",
    "floor",
    "join",
    "keys",
    "length",
    "map",
    "min",
    "max",
    "max_by",
    "min_by",
    "merge",
    "not_null",
    "reverse",
    "sort",
    "sort_by",
    "starts_with",
    "sum",
    "to_array",
    "to_number",
    "to_string",
    "type",
    "values",
];

/// A compiled JMESPath expression.
#[derive(Debug, Clone)]
pub struct Expression {
    source: String,
    ast: Ast,
}

/// Compile an expression, rejecting syntax errors and unknown functions.
pub fn compile(expression: &str) -> Result<Expression, VariableError> {
    let mut ast = ::jmespath::parse(expression).map_err(|e| VariableError::Syntax {
        expression: expression.to_owned(),
        message: reason_text(&e),
    })?;
    go_literals(&mut ast);
    if let Some(name) = unknown_function(&ast) {
        return Err(VariableError::UnknownFunction {
            expression: expression.to_owned(),
            name,
        });
    }
    Ok(Expression {
        source: expression.to_owned(),
        ast,
    })
}

/// How many compiled expressions a thread keeps: the expressions of a run's
/// policies are few, but nested variables (`{{ a.{{ b }} }}`) make new texts per
/// object, so the cache is emptied rather than allowed to grow without bound.
const COMPILED_PER_THREAD: usize = 4096;

thread_local! {
    /// Expressions compiled on this thread, by text (errors included): a policy's
    /// expressions are evaluated on every object, and parsing them each time was a
    /// large part of a run's cost.
    static COMPILED: ThreadMemo<Result<Rc<Expression>, VariableError>> =
        ThreadMemo::new(COMPILED_PER_THREAD);
}

/// [`compile`], remembered per thread: the same text always compiles to the same
/// expression.
pub(crate) fn compile_cached(expression: &str) -> Result<Rc<Expression>, VariableError> {
    COMPILED.with(|memo| memo.get_or_insert_with(expression, || compile(expression).map(Rc::new)))
}

/// go-jmespath decodes a literal with `encoding/json`: its numbers are floats.
fn go_literals(ast: &mut Ast) {
    match ast {
        Ast::Literal { value, .. } => {
            let converted = convert::floats(&convert::to_value(value));
            *value = to_variable(&converted);
        }
        Ast::Comparison { lhs, rhs, .. }
        | Ast::Projection { lhs, rhs, .. }
        | Ast::And { lhs, rhs, .. }
        | Ast::Or { lhs, rhs, .. }
        | Ast::Subexpr { lhs, rhs, .. } => {
            go_literals(lhs);
            go_literals(rhs);
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            go_literals(predicate);
            go_literals(then);
        }
        Ast::Expref { ast, .. } => go_literals(ast),
        Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => {
            go_literals(node)
        }
        Ast::Function { args, .. } => args.iter_mut().for_each(go_literals),
        Ast::MultiList { elements, .. } => elements.iter_mut().for_each(go_literals),
        Ast::MultiHash { elements, .. } => elements
            .iter_mut()
            .for_each(|kv| go_literals(&mut kv.value)),
        Ast::Identity { .. } | Ast::Field { .. } | Ast::Index { .. } | Ast::Slice { .. } => {}
    }
}

fn unknown_function(ast: &Ast) -> Option<String> {
    let mut found = None;
    walk(ast, &mut |node| {
        if let Ast::Function { name, .. } = node {
            if found.is_none() && RUNTIME.get_function(name).is_none() {
                found = Some(name.clone());
            }
        }
    });
    found
}

fn walk(ast: &Ast, visit: &mut dyn FnMut(&Ast)) {
    visit(ast);
    match ast {
        Ast::Comparison { lhs, rhs, .. }
        | Ast::Projection { lhs, rhs, .. }
        | Ast::And { lhs, rhs, .. }
        | Ast::Or { lhs, rhs, .. }
        | Ast::Subexpr { lhs, rhs, .. } => {
            walk(lhs, visit);
            walk(rhs, visit);
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            walk(predicate, visit);
            walk(then, visit);
        }
        Ast::Expref { ast, .. } => walk(ast, visit),
        Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => {
            walk(node, visit)
        }
        Ast::Function { args, .. } => args.iter().for_each(|a| walk(a, visit)),
        Ast::MultiList { elements, .. } => elements.iter().for_each(|a| walk(a, visit)),
        Ast::MultiHash { elements, .. } => elements.iter().for_each(|kv| walk(&kv.value, visit)),
        Ast::Identity { .. }
        | Ast::Field { .. }
        | Ast::Index { .. }
        | Ast::Literal { .. }
        | Ast::Slice { .. } => {}
    }
}

impl Expression {
    /// The expression's text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Search `data` with this expression.
    pub fn search(&self, data: &Rcvar, clock: Clock) -> Result<Rcvar, VariableError> {
        let previous = CURRENT_CLOCK.with(|c| c.replace(clock));
        let mut ctx = ::jmespath::Context::new(&self.source, &RUNTIME);
        let result = self.eval(data, &self.ast, &mut ctx);
        CURRENT_CLOCK.with(|c| c.set(previous));
        result.map_err(|e| match e {
            Failure::NotFound(key) => VariableError::NotFound {
                expression: self.source.clone(),
                key,
            },
            Failure::Jmespath(e) => VariableError::Evaluation {
                expression: self.source.clone(),
                message: reason_text(&e),
            },
        })
    }

    /// go-jmespath (Kyverno's fork) fails with `NotFoundError` where a field
    /// is read from an object that lacks the key, and lets that error travel up
    /// through sub-expressions (`a.b.c`, `a[0]`) and the right side of `&&`;
    /// every other construct (pipes, `||`, comparisons, projections, function
    /// arguments) turns it into `null`. The crate's interpreter yields `null`
    /// everywhere, so the spine is walked here and the rest delegated.
    fn eval(
        &self,
        data: &Rcvar,
        node: &Ast,
        ctx: &mut ::jmespath::Context<'_>,
    ) -> Result<Rcvar, Failure> {
        match node {
            Ast::Field { name, .. } => match &**data {
                Variable::Object(map) => match map.get(name) {
                    Some(v) => Ok(v.clone()),
                    None => Err(Failure::NotFound(name.clone())),
                },
                _ => Ok(Rcvar::new(Variable::Null)),
            },
            Ast::Subexpr { lhs, rhs, offset } if !self.is_pipe(*offset) => {
                let left = self.eval(data, lhs, ctx)?;
                self.eval(&left, rhs, ctx)
            }
            Ast::Subexpr { lhs, rhs, .. } => {
                let left = self.eval_lenient(data, lhs, ctx)?;
                self.eval_lenient(&left, rhs, ctx)
            }
            Ast::And { lhs, rhs, .. } => {
                let left = self.eval_lenient(data, lhs, ctx)?;
                if !left.is_truthy() {
                    return Ok(left);
                }
                self.eval(data, rhs, ctx)
            }
            _ => ::jmespath::interpret(data, node, ctx).map_err(Failure::Jmespath),
        }
    }

    fn eval_lenient(
        &self,
        data: &Rcvar,
        node: &Ast,
        ctx: &mut ::jmespath::Context<'_>,
    ) -> Result<Rcvar, Failure> {
        match self.eval(data, node, ctx) {
            Err(Failure::NotFound(_)) => Ok(Rcvar::new(Variable::Null)),
            other => other,
        }
    }

    /// A pipe and a dot both parse to a sub-expression; the token at the
    /// node's offset tells them apart.
    fn is_pipe(&self, offset: usize) -> bool {
        self.source.as_bytes().get(offset) == Some(&b'|')
    }
}

enum Failure {
    NotFound(String),
    Jmespath(JmespathError),
}

fn reason_text(e: &JmespathError) -> String {
    match &e.reason {
        ErrorReason::Parse(message) => message.clone(),
        ErrorReason::Runtime(RuntimeError::InvalidType {
            expected,
            actual,
            position,
        }) => format!("argument {} must be {expected}, got {actual}", position + 1),
        ErrorReason::Runtime(other) => other.to_string(),
    }
}

/// An error from a Kyverno function, with Kyverno's message.
pub(crate) fn function_error(
    ctx: &::jmespath::Context<'_>,
    message: impl Into<String>,
) -> JmespathError {
    JmespathError::from_ctx(ctx, ErrorReason::Parse(message.into()))
}

/// Shorthand for a signature without variadic arguments.
pub(crate) fn signature(inputs: Vec<ArgumentType>) -> Signature {
    Signature::new(inputs, None)
}

pub(crate) fn string_result(s: impl Into<String>) -> Rcvar {
    Rcvar::new(Variable::String(s.into()))
}

pub(crate) fn bool_result(b: bool) -> Rcvar {
    Rcvar::new(Variable::Bool(b))
}

/// A Go `float64` result. NaN and infinities have no JSON form; Go's encoder
/// fails on them too.
pub(crate) fn float_result(ctx: &::jmespath::Context<'_>, f: f64) -> Result<Rcvar, JmespathError> {
    serde_json::Number::from_f64(f)
        .map(|n| Rcvar::new(Variable::Number(n)))
        .ok_or_else(|| function_error(ctx, format!("the result {f} is not a JSON number")))
}

#[cfg(test)]
mod tests;
