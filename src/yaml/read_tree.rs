//! The reader's node tree and its conversion to JSON.
//!
//! One YAML document is first built from saphyr-parser events into a flat tree in which an
//! alias is simply a second reference to its anchor's node. The tree is then turned into a
//! [`serde_json::Value`] the way kustomize ends up seeing it: kyaml's `DeAnchor` (aliases
//! expanded, `<<` merge keys applied with explicit keys winning, then earlier maps), go-yaml v3
//! decoding into `map[string]interface{}` (root keys taken as text, nested keys required to be
//! strings, duplicate keys rejected), the re-set of root `metadata.annotations` as strings, and
//! Go's JSON encoding; or, for [`Schema::Yaml11`], go-yaml v2 plus `sigs.k8s.io/yaml`'s key
//! stringification and v2's positional merge keys.

use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

use saphyr_parser::ScalarStyle;

use super::read_folded;
use super::read_scalar::{self, Dialect, Resolved};
use super::reader::Schema;

/// A conversion or tree-building error at a 1-based position inside the parsed text.
#[derive(Debug)]
pub(crate) struct TreeError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

type Result<T> = std::result::Result<T, TreeError>;

/// Index of a node in [`Tree::nodes`]; [`ALIAS`] marks a reference made through an alias.
type Id = u32;

/// Set on the child id of a collection when the child was written as `*alias`.
const ALIAS: Id = 1 << 31;

/// The node index of a (possibly alias-marked) id.
fn ix(id: Id) -> usize {
    (id & !ALIAS) as usize
}

#[derive(Debug)]
enum Kind {
    Scalar {
        text: String,
        /// Plain style (not quoted, not a block scalar).
        plain: bool,
        /// Folded block style (`>`).
        folded: bool,
        /// Short tag (`!!int`, `!foo`, `!`), if any.
        tag: Option<Box<str>>,
    },
    Seq(Vec<Id>),
    /// Keys and values, alternating.
    Map(Vec<Id>),
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    line: u32,
    col: u32,
    /// Reachable through an alias, so it may be converted more than once.
    shared: bool,
    /// A collection whose end event has not arrived yet.
    open: bool,
    /// A flow collection (`[…]`, `{…}`).
    flow: bool,
}

/// One document's nodes, built from parser events.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    nodes: Vec<Node>,
    /// Open collections, innermost last.
    stack: Vec<Id>,
    /// Node of each anchor id (saphyr numbers anchors from 1).
    anchors: Vec<Option<Id>>,
    root: Option<Id>,
    max_depth: usize,
}

/// A 1-based source position.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) col: usize,
}

fn err<T>(pos: Pos, message: impl Into<String>) -> Result<T> {
    Err(TreeError {
        line: pos.line,
        column: pos.col,
        message: message.into(),
    })
}

impl Builder {
    /// A builder for a document of `text_len` bytes. The node list is sized for it at
    /// once (about one node per ten bytes of YAML): growing it by doubling would copy it
    /// into fresh memory several times, and untouched capacity costs no memory.
    pub(crate) fn new(max_depth: usize, text_len: usize) -> Self {
        Builder {
            max_depth,
            nodes: Vec::with_capacity((text_len / 10).clamp(16, 1 << 20)),
            ..Builder::default()
        }
    }

    fn push(&mut self, kind: Kind, anchor: usize, flow: bool, pos: Pos) -> Result<Id> {
        let Some(id) = Id::try_from(self.nodes.len()).ok().filter(|&id| id < ALIAS) else {
            return err(pos, "document has too many nodes");
        };
        let parent_shared = self
            .stack
            .last()
            .is_some_and(|&p| self.nodes[p as usize].shared);
        let open = !matches!(kind, Kind::Scalar { .. });
        self.nodes.push(Node {
            kind,
            line: u32::try_from(pos.line).unwrap_or(u32::MAX),
            col: u32::try_from(pos.col).unwrap_or(u32::MAX),
            shared: anchor != 0 || parent_shared,
            open,
            flow,
        });
        if anchor != 0 {
            if self.anchors.len() <= anchor {
                self.anchors.resize(anchor + 1, None);
            }
            self.anchors[anchor] = Some(id);
        }
        self.attach(id);
        Ok(id)
    }

    fn attach(&mut self, id: Id) {
        match self.stack.last() {
            None => self.root = Some(id),
            Some(&parent) => match &mut self.nodes[parent as usize].kind {
                Kind::Seq(items) | Kind::Map(items) => items.push(id),
                Kind::Scalar { .. } => {}
            },
        }
    }

    pub(crate) fn scalar(
        &mut self,
        text: String,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<Box<str>>,
        pos: Pos,
    ) -> Result<()> {
        let kind = Kind::Scalar {
            text,
            plain: style == ScalarStyle::Plain,
            folded: style == ScalarStyle::Folded,
            tag,
        };
        self.push(kind, anchor, false, pos).map(drop)
    }

    /// Drops one trailing line break from the most recent node when it is a scalar: a block
    /// scalar that ends the file without a final line break has none (saphyr adds one).
    pub(crate) fn strip_last_line_break(&mut self) {
        if let Some(Node {
            kind: Kind::Scalar { text, .. },
            ..
        }) = self.nodes.last_mut()
            && text.ends_with('\n')
        {
            text.pop();
        }
    }

    pub(crate) fn start(&mut self, map: bool, flow: bool, anchor: usize, pos: Pos) -> Result<()> {
        if self.stack.len() >= self.max_depth {
            return err(
                pos,
                format!(
                    "exceeded max depth of {}: nesting is too deep",
                    self.max_depth
                ),
            );
        }
        let kind = if map {
            Kind::Map(Vec::new())
        } else {
            Kind::Seq(Vec::new())
        };
        let id = self.push(kind, anchor, flow, pos)?;
        self.stack.push(id);
        Ok(())
    }

    pub(crate) fn end(&mut self) {
        if let Some(id) = self.stack.pop() {
            self.nodes[id as usize].open = false;
        }
    }

    /// `*name`: references the anchored node a second time. `name` is only called to word
    /// an error.
    pub(crate) fn alias(
        &mut self,
        anchor: usize,
        name: impl FnOnce() -> String,
        pos: Pos,
    ) -> Result<()> {
        let Some(&Some(id)) = self.anchors.get(anchor) else {
            return err(pos, format!("unknown anchor '{}' referenced", name()));
        };
        if self.nodes[id as usize].open {
            return err(pos, format!("anchor '{}' value contains itself", name()));
        }
        self.attach(id | ALIAS);
        Ok(())
    }

    /// The finished tree, `None` for an empty document.
    pub(crate) fn finish(self) -> Option<Tree> {
        let root = self.root?;
        Some(Tree {
            nodes: self.nodes,
            root,
        })
    }
}

/// A built document.
#[derive(Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    root: Id,
}

impl Tree {
    /// Line of the document's top node.
    pub(crate) fn root_line(&self) -> usize {
        self.nodes[ix(self.root)].line as usize
    }

    /// Converts the document. `budget` counts down the JSON nodes still allowed (aliases
    /// included) and is shared by the documents of a stream.
    pub(crate) fn into_value(
        mut self,
        schema: Schema,
        budget: &mut usize,
        max_depth: usize,
    ) -> Result<(Value, Vec<Vec<String>>)> {
        let root = self.root;
        let ctx = match schema {
            Schema::Kyaml | Schema::KyamlPatch | Schema::ArgoCdObjects => Ctx::Root,
            Schema::Yaml11 => Ctx::V2,
        };
        let mut conv = Converter {
            nodes: &mut self.nodes,
            budget,
            max_depth,
            path: Vec::new(),
            in_seq: 0,
            null_annotations: schema == Schema::KyamlPatch,
            argocd_decoder: schema == Schema::ArgoCdObjects,
            empties: Vec::new(),
        };
        let value = conv.value(
            root,
            At {
                ctx,
                depth: 0,
                in_flow: false,
            },
        );
        Ok((value?, conv.empties))
    }
}

/// Where a node sits, which decides how it is converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// The document's top node (kyaml): keys are taken as text.
    Root,
    /// The value of the root `metadata` key.
    Meta,
    /// The value of root `metadata.annotations`: kustomize re-sets it as string values.
    Annotations,
    /// An annotation value: the node's text (collections become `""`).
    AnnotText,
    /// Anywhere else in a resource (go-yaml v3 into `interface{}`).
    Normal,
    /// A kustomization file (go-yaml v2, `sigs.k8s.io/yaml`).
    V2,
}

impl Ctx {
    fn of_value(self, key: &str) -> Ctx {
        match self {
            Ctx::Root if key == "metadata" => Ctx::Meta,
            Ctx::Meta if key == "annotations" => Ctx::Annotations,
            Ctx::Annotations => Ctx::AnnotText,
            Ctx::V2 => Ctx::V2,
            _ => Ctx::Normal,
        }
    }

    fn of_item(self) -> Ctx {
        match self {
            Ctx::Annotations => Ctx::AnnotText,
            Ctx::V2 => Ctx::V2,
            _ => Ctx::Normal,
        }
    }
}

/// Where a node sits in the document being converted.
#[derive(Debug, Clone, Copy)]
struct At {
    ctx: Ctx,
    /// Nesting depth, aliases expanded.
    depth: usize,
    /// The parent is (or sits in) a flow collection.
    in_flow: bool,
}

struct Converter<'a> {
    nodes: &'a mut [Node],
    budget: &'a mut usize,
    max_depth: usize,
    /// Keys from the root to the mapping being converted.
    path: Vec<String>,
    /// How many sequences enclose the node being converted.
    in_seq: usize,
    /// Key paths (through mappings only) of values written as nothing (`key:`).
    empties: Vec<Vec<String>>,
    /// Keep null annotation values null (strategic-merge patches).
    null_annotations: bool,
    /// Objects `rollpin health` reads, decoded as Argo CD's decoder does: a duplicate
    /// mapping key's last value wins, and folded scalars keep their YAML value (kyaml's lossy
    /// write-back is kustomize's, replayed only for render).
    argocd_decoder: bool,
}

/// go-yaml's `%#v` of a string key, close enough: JSON quoting.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

impl Converter<'_> {
    fn pos(&self, id: Id) -> Pos {
        let n = &self.nodes[ix(id)];
        Pos {
            line: n.line as usize,
            col: n.col as usize,
        }
    }

    /// Converts node `id` found at `at`.
    ///
    /// This and [`Converter::map`] / [`Converter::seq`] recurse once per nesting level, so
    /// they keep their frames small; errors are built in cold helpers.
    fn value(&mut self, id: Id, at: At) -> Result<Value> {
        if at.depth > self.max_depth || *self.budget == 0 {
            return Err(self.limit_error(id, at.depth));
        }
        *self.budget -= 1;
        let node = &self.nodes[ix(id)];
        let flow = at.in_flow || node.flow;
        match (&node.kind, at.ctx) {
            (Kind::Scalar { .. }, _) => self.scalar(id, at),
            (_, Ctx::AnnotText) => Ok(Value::String(String::new())),
            (Kind::Seq(_), _) => self.seq(id, at, flow).map(Value::Array),
            (Kind::Map(_), _) => self.map(id, at, flow, false).map(Value::Object),
        }
    }

    #[cold]
    #[inline(never)]
    fn limit_error(&self, id: Id, depth: usize) -> TreeError {
        let pos = self.pos(id);
        let message = if depth > self.max_depth {
            format!(
                "exceeded max depth of {} (aliases included)",
                self.max_depth
            )
        } else {
            "document contains excessive aliasing: too many nodes after expanding aliases".into()
        };
        TreeError {
            line: pos.line,
            column: pos.col,
            message,
        }
    }

    /// A sequence; `flow` tells whether it is (inside) a flow collection.
    fn seq(&mut self, id: Id, at: At, flow: bool) -> Result<Vec<Value>> {
        let items = self.children(id);
        let mut out = Vec::with_capacity(items.len());
        let item_at = At {
            ctx: at.ctx.of_item(),
            depth: at.depth + 1,
            in_flow: flow,
        };
        self.in_seq += 1;
        for item in items {
            let v = self.value(item, item_at);
            match v {
                Ok(v) => out.push(v),
                Err(e) => {
                    self.in_seq -= 1;
                    return Err(e);
                }
            }
        }
        self.in_seq -= 1;
        Ok(out)
    }

    /// A collection's children: moved out when the node is converted only once.
    fn children(&mut self, id: Id) -> Vec<Id> {
        let node = &mut self.nodes[ix(id)];
        match &mut node.kind {
            Kind::Seq(c) | Kind::Map(c) if node.shared => c.clone(),
            Kind::Seq(c) | Kind::Map(c) => std::mem::take(c),
            Kind::Scalar { .. } => Vec::new(),
        }
    }

    /// A scalar's text: moved out when the node is converted only once.
    fn take_text(&mut self, id: Id) -> String {
        let node = &mut self.nodes[ix(id)];
        match &mut node.kind {
            Kind::Scalar { text, .. } if node.shared => text.clone(),
            Kind::Scalar { text, .. } => std::mem::take(text),
            _ => String::new(),
        }
    }

    fn scalar(&mut self, id: Id, at: At) -> Result<Value> {
        let Kind::Scalar {
            text,
            plain,
            folded,
            tag,
        } = &self.nodes[ix(id)].kind
        else {
            return Ok(Value::Null);
        };
        let ctx = at.ctx;
        let resolved = match ctx {
            Ctx::AnnotText
                if self.null_annotations
                    && matches!(resolve_v3(text, *plain, tag.as_deref()), Ok(Resolved::Null)) =>
            {
                Ok(Resolved::Null)
            }
            Ctx::AnnotText => Ok(Resolved::Str),
            Ctx::V2 => resolve_v2(text, *plain, tag.as_deref()),
            // kyaml writes the tree out and reads it back: an empty plain scalar in a flow
            // collection comes back as `''`.
            _ if at.in_flow && is_empty_plain(text, *plain, tag.as_deref()) => Ok(Resolved::Str),
            _ => resolve_v3(text, *plain, tag.as_deref()),
        };
        let resolved = resolved.or_else(|m| err(self.pos(id), m))?;
        let number = |n: Option<Number>, f: f64| match n {
            Some(n) => Ok(Value::Number(n)),
            None => err(
                self.pos(id),
                format!("json: unsupported value: {}", go_special(f)),
            ),
        };
        Ok(match resolved {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::from(i),
            Resolved::Uint(u) => Value::from(u),
            Resolved::Float(f) => number(Number::from_f64(f), f)?,
            Resolved::Binary(s) => Value::String(s),
            Resolved::Timestamp(t) if ctx != Ctx::V2 => {
                Value::String(t.to_rfc3339().or_else(|m| err(self.pos(id), m))?)
            }
            Resolved::Str
                if *folded
                    && !self.argocd_decoder
                    && !at.in_flow
                    && !matches!(ctx, Ctx::AnnotText | Ctx::V2) =>
            {
                // kyaml writes folded scalars back in folded style, not faithfully.
                match read_folded::round_trip(text) {
                    Some(changed) => Value::String(changed),
                    None => Value::String(self.take_text(id)),
                }
            }
            Resolved::Str | Resolved::Timestamp(_) => Value::String(self.take_text(id)),
        })
    }

    /// A value written as nothing (`key:` or `{key: }`).
    fn is_empty_scalar(&self, id: Id) -> bool {
        matches!(&self.nodes[ix(id)].kind, Kind::Scalar { text, plain, tag, .. }
            if is_empty_plain(text, *plain, tag.as_deref()))
    }

    /// Whether a mapping key is a merge key: a plain, untagged `<<` or anything tagged
    /// `!!merge` (go-yaml v2 also wants the `<<` text then).
    fn is_merge_key(&self, id: Id, ctx: Ctx) -> bool {
        let Kind::Scalar {
            text, plain, tag, ..
        } = &self.nodes[ix(id)].kind
        else {
            return false;
        };
        let tagged = tag.as_deref() == Some("!!merge");
        let implicit = *plain && text == "<<" && matches!(tag.as_deref(), None | Some("!"));
        if ctx == Ctx::V2 {
            text == "<<" && (tagged || implicit)
        } else {
            tagged || implicit
        }
    }

    /// The key's text when it is a scalar.
    fn key_text(&self, id: Id) -> Option<&str> {
        match &self.nodes[ix(id)].kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The JSON field name of a mapping key, or the error kustomize would hit.
    fn key(&self, id: Id, ctx: Ctx) -> Result<String> {
        let pos = self.pos(id);
        let Kind::Scalar {
            text, plain, tag, ..
        } = &self.nodes[ix(id)].kind
        else {
            return err(
                pos,
                "invalid map key: a mapping or sequence cannot be a key",
            );
        };
        let tag = tag.as_deref();
        let fail = |m: String| err(pos, m);
        if ctx != Ctx::V2 && is_empty_plain(text, *plain, tag) {
            // Written back as `''` by kyaml, so an empty string.
            return Ok(String::new());
        }
        match ctx {
            Ctx::V2 => Ok(match resolve_v2(text, *plain, tag).or_else(fail)? {
                Resolved::Str | Resolved::Timestamp(_) => text.clone(),
                Resolved::Binary(s) => s,
                Resolved::Int(i) => i.to_string(),
                Resolved::Float(f) => read_scalar::go_format_key_float(f),
                Resolved::Bool(b) => b.to_string(),
                Resolved::Uint(_) => {
                    return err(
                        pos,
                        format!("unsupported map key of type: uint64, key: {text}"),
                    );
                }
                Resolved::Null => {
                    return err(
                        pos,
                        format!("unsupported map key of type: <nil>, key: {}", quoted(text)),
                    );
                }
            }),
            Ctx::Root => match resolve_v3(text, *plain, tag).or_else(fail)? {
                Resolved::Null => err(
                    pos,
                    format!(
                        "mapping key {} is null, which kustomize cannot use",
                        quoted(text)
                    ),
                ),
                Resolved::Binary(s) => Ok(s),
                _ => Ok(text.clone()),
            },
            Ctx::Annotations => {
                // kustomize writes annotation keys back as plain, untagged scalars.
                if read_scalar::resolve_plain(text, Dialect::V3) != Resolved::Str {
                    return err(pos, non_string_key(text));
                }
                Ok(text.clone())
            }
            _ => {
                let is_str = match tag {
                    Some("!!str") => true,
                    None | Some("!") => {
                        !*plain || read_scalar::resolve_plain(text, Dialect::V3) == Resolved::Str
                    }
                    Some(_) => false,
                };
                if is_str {
                    Ok(text.clone())
                } else {
                    err(pos, non_string_key(text))
                }
            }
        }
    }

    /// A mapping; `flow` tells whether it is (inside) a flow collection. `lenient` lets a
    /// later duplicate key win (merge sources, as kyaml's `MapEntrySetter` does).
    fn map(&mut self, id: Id, at: At, flow: bool, lenient: bool) -> Result<Map<String, Value>> {
        let children = self.children(id);
        let ctx = at.ctx;
        let mut out = Map::new();
        let mut merge: Option<(Id, Id)> = None;
        let last_wins = lenient || matches!(ctx, Ctx::Annotations | Ctx::V2);
        for (i, pair) in children.chunks_exact(2).enumerate() {
            let (k, v) = (pair[0], pair[1]);
            if self.is_merge_key(k, ctx) {
                if ctx == Ctx::V2 {
                    self.merge_v2(v, &mut out, at, flow)?;
                } else if merge.replace((k, v)).is_some() {
                    return err(self.pos(k), "duplicate merge key");
                }
                continue;
            }
            if ctx != Ctx::V2 && self.key_text(k) == Some("<<") {
                // kyaml's DeAnchor clears every field named `<<`, merge key or not.
                continue;
            }
            let key = self.key(k, ctx)?;
            self.path.push(key.clone());
            let empty = self.in_seq == 0 && ctx != Ctx::V2 && self.is_empty_scalar(v);
            let value = self.value(v, Self::entry_at(at, flow, &key));
            if value.is_ok() && empty {
                self.empties.push(self.path.clone());
            }
            self.path.pop();
            let value = value?;
            match out.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                // Checked only for a key seen before: the render path's cost is unchanged.
                Entry::Occupied(mut slot) if last_wins || self.argocd_decoder => {
                    slot.insert(value);
                }
                Entry::Occupied(slot) => {
                    return Err(self.duplicate(&children[..2 * i], k, slot.key(), ctx));
                }
            }
        }
        if let Some((k, v)) = merge {
            self.merge_v3(k, v, &mut out, at, flow)?;
        }
        Ok(out)
    }

    /// Where the value of a mapping at `at` sits.
    fn entry_at(at: At, flow: bool, key: &str) -> At {
        At {
            ctx: at.ctx.of_value(key),
            depth: at.depth + 1,
            in_flow: flow,
        }
    }

    /// kyaml's `DeAnchor` merge: explicit keys win, then earlier maps in the list. The merged
    /// entries become entries of this mapping (its context, style and indentation).
    fn merge_v3(
        &mut self,
        k: Id,
        v: Id,
        out: &mut Map<String, Value>,
        at: At,
        flow: bool,
    ) -> Result<()> {
        for source in self.merge_sources(k, v)? {
            let source_at = At {
                depth: at.depth + 1,
                ..at
            };
            for (key, value) in self.map(source, source_at, flow, true)? {
                out.entry(key).or_insert(value);
            }
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn duplicate(&self, before: &[Id], dup: Id, key: &str, ctx: Ctx) -> TreeError {
        let first = before
            .chunks_exact(2)
            .find(|p| self.key(p[0], ctx).is_ok_and(|k| k == key))
            .map_or(0, |p| self.pos(p[0]).line);
        let pos = self.pos(dup);
        TreeError {
            line: pos.line,
            column: pos.col,
            message: format!(
                "mapping key {} already defined at line {first}",
                quoted(key)
            ),
        }
    }

    /// kyaml's `findMergeValues`: the maps a `<<` value names, highest precedence first.
    fn merge_sources(&self, key: Id, v: Id) -> Result<Vec<Id>> {
        const ALIAS_NOT_MAP: &str = "invalid map merge: received alias for a non-map value";
        let is_map = |id: Id| matches!(self.nodes[ix(id)].kind, Kind::Map(_));
        if v & ALIAS != 0 && !is_map(v) {
            return err(self.pos(key), ALIAS_NOT_MAP);
        }
        match &self.nodes[ix(v)].kind {
            Kind::Map(_) => Ok(vec![v]),
            Kind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for &item in items {
                    match &self.nodes[ix(item)].kind {
                        Kind::Map(_) => out.push(item),
                        _ if item & ALIAS != 0 => return err(self.pos(item), ALIAS_NOT_MAP),
                        Kind::Seq(_) => {
                            return err(
                                self.pos(item),
                                "invalid map merge: received a nested sequence",
                            );
                        }
                        Kind::Scalar { .. } => return err(self.pos(item), WANT_MAP),
                    }
                }
                Ok(out)
            }
            Kind::Scalar { .. } => err(self.pos(key), WANT_MAP),
        }
    }

    /// go-yaml v2's `merge`: the merged maps overwrite what is already set, earlier list
    /// entries winning over later ones.
    fn merge_v2(&mut self, v: Id, out: &mut Map<String, Value>, at: At, flow: bool) -> Result<()> {
        let sources = match &self.nodes[ix(v)].kind {
            Kind::Map(_) => vec![v],
            Kind::Seq(items) => items.iter().rev().copied().collect(),
            Kind::Scalar { .. } => return err(self.pos(v), WANT_MAP),
        };
        for source in sources {
            if !matches!(self.nodes[ix(source)].kind, Kind::Map(_)) {
                return err(self.pos(source), WANT_MAP);
            }
            let source_at = At {
                depth: at.depth + 1,
                ..at
            };
            out.extend(self.map(source, source_at, flow, true)?);
        }
        Ok(())
    }
}

const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";

/// An empty, plain, untagged scalar (null when read directly).
fn is_empty_plain(text: &str, plain: bool, tag: Option<&str>) -> bool {
    text.is_empty() && plain && matches!(tag, None | Some("!"))
}

/// The error kustomize reports for a mapping whose keys are not all strings.
fn non_string_key(text: &str) -> String {
    format!(
        "json: unsupported type: map[interface {{}}]interface {{}} (mapping key {} is not a string)",
        quoted(text)
    )
}

/// Go's spelling of a non-finite float in `json: unsupported value: …`.
fn go_special(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// go-yaml v3 decoding a scalar into `interface{}`.
fn resolve_v3(text: &str, plain: bool, tag: Option<&str>) -> std::result::Result<Resolved, String> {
    match tag {
        // An indicated string: quoted or block style, or tagged `!!str`.
        None | Some("!") if !plain => Ok(Resolved::Str),
        None | Some("!") => Ok(read_scalar::resolve_plain(text, Dialect::V3)),
        Some(tag) => read_scalar::resolve(tag, text, Dialect::V3),
    }
}

/// go-yaml v2 decoding a scalar into `interface{}`.
fn resolve_v2(text: &str, plain: bool, tag: Option<&str>) -> std::result::Result<Resolved, String> {
    match tag {
        None if !plain => Ok(Resolved::Str),
        None => Ok(read_scalar::resolve_plain(text, Dialect::V2)),
        Some(tag) => read_scalar::resolve(tag, text, Dialect::V2),
    }
}
