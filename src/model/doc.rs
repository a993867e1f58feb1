//! A compact, immutable JSON document for what Azure returns and aisec keeps.
//!
//! `serde_json::Value` is built for editing: every object is a B-tree whose nodes reserve room for eleven
//! entries, so a resource body with its child data costs tens of kilobytes and a 10,000-resource tenant half a
//! gigabyte, scattered over millions of allocations that the checks then chase through. Azure's answers are
//! never edited once read, so a document here is built once, exactly sized: arrays and objects are shared slices
//! (cloning one — the same Key Vault body for every resource that references it, a subscription's role
//! assignments for each of its resources — is a reference-count increment), short strings live inline, and
//! object members are kept sorted by key, as `serde_json` keeps them, so rendering and serialising give the
//! same text as before. [`DocInterner`] goes one step further for the collector: equal subtrees of different
//! resources become one shared copy.

use std::fmt;
use std::sync::Arc;

use arcstr::ArcStr;
use compact_str::CompactString;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Number, Value};

/// One JSON value. The variants mirror `serde_json::Value`, so code matches on them the same way.
#[derive(Clone, Default, PartialEq)]
pub enum Doc {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(CompactString),
    Array(Arc<[Doc]>),
    Object(DocMap),
}

/// A JSON object: members sorted by key, each key once (the last one wins, as in `serde_json`).
#[derive(Clone, Default, PartialEq)]
pub struct DocMap(Arc<[(CompactString, Doc)]>);

/// Objects up to this size are searched front to back (comparing lengths first); larger ones by bisection.
const LINEAR_SEARCH_MAX: usize = 16;

impl DocMap {
    /// Sorts the members by key and keeps the last of equal keys.
    pub fn from_members(mut members: Vec<(CompactString, Doc)>) -> Self {
        // Stable, so equal keys keep their input order and the last of a run is the last one read.
        members.sort_by(|(a, _), (b, _)| a.as_str().cmp(b.as_str()));
        members.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                std::mem::swap(later, earlier);
                true
            } else {
                false
            }
        });
        Self(members.into())
    }

    #[inline]
    pub fn get(&self, key: &str) -> Option<&Doc> {
        if self.0.len() <= LINEAR_SEARCH_MAX {
            self.0
                .iter()
                .find(|(k, _)| k.len() == key.len() && k.as_bytes() == key.as_bytes())
                .map(|(_, v)| v)
        } else {
            self.0
                .binary_search_by(|(k, _)| k.as_str().cmp(key))
                .ok()
                .and_then(|at| self.0.get(at))
                .map(|(_, v)| v)
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Doc)> {
        self.into_iter()
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &Doc> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// A copy without the named members (the values kept are shared, not copied).
    pub fn without(&self, keys: &[&str]) -> Self {
        Self(
            self.0
                .iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .cloned()
                .collect(),
        )
    }

    /// [`DocMap::without`] for a map the caller gives up: when nobody else holds it, the members kept move
    /// into the copy instead of being cloned (a heap string's clone is a copy of its text), and a map with
    /// none of the keys is returned as it is.
    pub fn into_without(mut self, keys: &[&str]) -> Self {
        if !self.0.iter().any(|(k, _)| keys.contains(&k.as_str())) {
            return self;
        }
        match Arc::get_mut(&mut self.0) {
            Some(members) => Self(
                members
                    .iter_mut()
                    .filter(|(k, _)| !keys.contains(&k.as_str()))
                    .map(std::mem::take)
                    .collect(),
            ),
            None => self.without(keys),
        }
    }

    /// The value of `key`, to change in place, when nobody else holds this map.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Doc> {
        Arc::get_mut(&mut self.0)?
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value)
    }

    /// A copy with `key` set to `value` (added or replaced), still sorted.
    pub fn with(&self, key: &str, value: Doc) -> Self {
        let mut members: Vec<Member> = self.0.iter().filter(|(k, _)| k != key).cloned().collect();
        let at = members.partition_point(|(k, _)| k.as_str() < key);
        members.insert(at, (CompactString::new(key), value));
        Self(members.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

type Member = (CompactString, Doc);

fn member_ref(member: &Member) -> (&str, &Doc) {
    (member.0.as_str(), &member.1)
}

impl<'a> IntoIterator for &'a DocMap {
    type Item = (&'a str, &'a Doc);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Member>, fn(&'a Member) -> (&'a str, &'a Doc)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(member_ref as fn(&'a Member) -> (&'a str, &'a Doc))
    }
}

static NULL: Doc = Doc::Null;

impl Doc {
    /// An empty object (what a resource without `properties` gets).
    pub fn empty_object() -> Self {
        Doc::Object(DocMap::default())
    }

    /// `self[key]` when `self` is an object.
    pub fn get(&self, key: &str) -> Option<&Doc> {
        match self {
            Doc::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// A JSON Pointer (`/properties/scope`) lookup, as `serde_json::Value::pointer` (RFC 6901 escapes included).
    pub fn pointer(&self, pointer: &str) -> Option<&Doc> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |target, token| {
            let token = token.replace("~1", "/").replace("~0", "~");
            match target {
                Doc::Object(map) => map.get(&token),
                Doc::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            }
        })
    }

    /// Whether `self` and `other` are one shared array or object (not merely equal ones).
    pub fn is_same_node(&self, other: &Doc) -> bool {
        match (self, other) {
            (Doc::Array(a), Doc::Array(b)) => Arc::ptr_eq(a, b),
            (Doc::Object(a), Doc::Object(b)) => Arc::ptr_eq(&a.0, &b.0),
            _ => false,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Doc::String(s) => Some(s.as_str()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Doc::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Doc::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Doc]> {
        match self {
            Doc::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&DocMap> {
        match self {
            Doc::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Doc::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Doc::Object(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Doc::String(_))
    }

    /// Heap bytes this document holds beyond its own 24 (shared parts counted as if owned): what the memory
    /// reports of the refresh benchmark add up.
    pub fn heap_bytes(&self) -> usize {
        const ARC_COUNTS: usize = 2 * std::mem::size_of::<usize>();
        let text = |s: &CompactString| if s.is_heap_allocated() { s.capacity() } else { 0 };
        match self {
            Doc::Null | Doc::Bool(_) | Doc::Number(_) => 0,
            Doc::String(s) => text(s),
            Doc::Array(items) => {
                ARC_COUNTS + std::mem::size_of_val::<[Doc]>(items) + items.iter().map(Doc::heap_bytes).sum::<usize>()
            }
            Doc::Object(map) => {
                ARC_COUNTS
                    + std::mem::size_of_val::<[Member]>(&map.0)
                    + map.0.iter().map(|(k, v)| text(k) + v.heap_bytes()).sum::<usize>()
            }
        }
    }

    /// The same document as a `serde_json::Value`, for code that edits or re-sends it.
    pub fn to_value(&self) -> Value {
        match self {
            Doc::Null => Value::Null,
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Number(n) => Value::Number(n.clone()),
            Doc::String(s) => Value::String(s.to_string()),
            Doc::Array(items) => Value::Array(items.iter().map(Doc::to_value).collect()),
            Doc::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.to_string(), v.to_value())).collect()),
        }
    }
}

/// Makes equal documents share their nodes: Azure repeats itself across resources (the same default
/// content-filter policy on every account, diagnostic settings and locks deployed by policy, the same network
/// rules), and at 10,000 resources keeping one copy of each is the difference between tens and hundreds of
/// megabytes — and between reading every resource's child data from memory or from cache.
///
/// Nodes are interned bottom-up, so two nodes are equal when their scalars are equal and their children are
/// the very same nodes: comparing and hashing a node never walks below its own children, and a node already
/// known is found before anything is allocated for it.
#[derive(Default)]
pub struct DocInterner {
    /// Canonical arrays and objects, by shallow hash, held in the table itself (a map of hash → list cost a
    /// list allocation per node: more than the node). The hash is seeded per process: the content comes from
    /// Azure, and a fixed seed would let crafted values pile into one bucket.
    nodes: hashbrown::HashTable<Doc>,
    seed: foldhash::fast::RandomState,
    /// Children of the nodes being interned, deepest last (reused from node to node).
    items: Vec<Doc>,
    members: Vec<Member>,
    /// One copy of each resource text (ids, names, regions, subscriptions): see [`DocInterner::text`].
    texts: hashbrown::HashTable<ArcStr>,
}

fn same_node(a: &Doc, b: &Doc) -> bool {
    match (a, b) {
        (Doc::Array(x), Doc::Array(y)) => Arc::ptr_eq(x, y),
        (Doc::Object(x), Doc::Object(y)) => Arc::ptr_eq(&x.0, &y.0),
        (Doc::Array(_) | Doc::Object(_), _) | (_, Doc::Array(_) | Doc::Object(_)) => false,
        (x, y) => x == y,
    }
}

fn hash_node<H: std::hash::Hasher>(doc: &Doc, state: &mut H) {
    use std::hash::Hash;
    std::mem::discriminant(doc).hash(state);
    match doc {
        Doc::Null => {}
        Doc::Bool(b) => b.hash(state),
        Doc::Number(n) => n.hash(state),
        Doc::String(s) => s.hash(state),
        Doc::Array(items) => std::ptr::hash(Arc::as_ptr(items), state),
        Doc::Object(map) => std::ptr::hash(Arc::as_ptr(&map.0), state),
    }
}

fn shallow_hash_items(seed: &impl std::hash::BuildHasher, items: &[Doc]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut state = seed.build_hasher();
    0u8.hash(&mut state);
    items.len().hash(&mut state);
    items.iter().for_each(|item| hash_node(item, &mut state));
    state.finish()
}

fn shallow_hash_members(seed: &impl std::hash::BuildHasher, members: &[Member]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut state = seed.build_hasher();
    1u8.hash(&mut state);
    members.len().hash(&mut state);
    for (key, value) in members {
        key.hash(&mut state);
        hash_node(value, &mut state);
    }
    state.finish()
}

/// The shallow hash of a canonical node (what it was filed under).
fn node_hash(seed: &impl std::hash::BuildHasher, node: &Doc) -> u64 {
    match node {
        Doc::Array(items) => shallow_hash_items(seed, items),
        Doc::Object(map) => shallow_hash_members(seed, &map.0),
        // Only arrays and objects are filed.
        _ => 0,
    }
}

/// `block` holding `children` (the canonical copies of its own): written back into it when nobody else holds it,
/// so a parsed node becomes canonical where it was allocated; a new block otherwise.
fn refill<T>(mut block: Arc<[T]>, children: std::vec::Drain<'_, T>) -> Arc<[T]> {
    match Arc::get_mut(&mut block) {
        Some(slots) => {
            slots.iter_mut().zip(children).for_each(|(slot, child)| *slot = child);
            block
        }
        None => children.collect(),
    }
}

/// Files a node the interner did not know under `hash` and returns it.
fn file(nodes: &mut hashbrown::HashTable<Doc>, seed: &impl std::hash::BuildHasher, hash: u64, node: Doc) -> Doc {
    nodes.insert_unique(hash, node.clone(), |known| node_hash(seed, known));
    node
}

impl DocInterner {
    pub fn new() -> Self {
        Self::default()
    }

    /// The canonical copy of `doc`: equal to it, sharing every array and object with the documents interned
    /// before.
    ///
    /// The document is taken by value so that a freshly parsed one, whose nodes nobody else holds, is turned
    /// into its canonical copy in place: its strings and children move instead of being copied, and a node not
    /// known yet is filed in the very block the parser allocated. A refresh then allocates nothing beyond the
    /// parse for what it reads (known nodes are found, new ones kept where they are), which is what keeps the
    /// heap from filling with the holes of freed copies between long-lived nodes. A node someone else still
    /// holds (a clone) is read through instead and left alone.
    pub fn intern(&mut self, doc: Doc) -> Doc {
        match doc {
            Doc::Array(mut items) => {
                let start = self.items.len();
                match Arc::get_mut(&mut items) {
                    Some(slots) => slots.iter_mut().for_each(|slot| {
                        let canonical = self.intern(std::mem::take(slot));
                        self.items.push(canonical);
                    }),
                    None => items.iter().for_each(|item| {
                        let canonical = self.intern(item.clone());
                        self.items.push(canonical);
                    }),
                }
                let children = self.items.get(start..).unwrap_or_default();
                let hash = shallow_hash_items(&self.seed, children);
                let known = self.nodes.find(hash, |node| {
                    node.as_array().is_some_and(|known| {
                        known.len() == children.len() && known.iter().zip(children).all(|(a, b)| same_node(a, b))
                    })
                });
                let node = match known {
                    Some(node) => node.clone(),
                    None => {
                        let node = Doc::Array(refill(items, self.items.drain(start..)));
                        file(&mut self.nodes, &self.seed, hash, node)
                    }
                };
                self.items.truncate(start);
                node
            }
            Doc::Object(DocMap(mut members)) => {
                let start = self.members.len();
                match Arc::get_mut(&mut members) {
                    Some(slots) => slots.iter_mut().for_each(|(key, value)| {
                        let canonical = self.intern(std::mem::take(value));
                        self.members.push((std::mem::take(key), canonical));
                    }),
                    None => members.iter().for_each(|(key, value)| {
                        let canonical = self.intern(value.clone());
                        self.members.push((key.clone(), canonical));
                    }),
                }
                let children = self.members.get(start..).unwrap_or_default();
                let hash = shallow_hash_members(&self.seed, children);
                let known = self.nodes.find(hash, |node| {
                    node.as_object().is_some_and(|known| {
                        known.0.len() == children.len()
                            && known
                                .0
                                .iter()
                                .zip(children)
                                .all(|((ka, va), (kb, vb))| ka == kb && same_node(va, vb))
                    })
                });
                let node = match known {
                    Some(node) => node.clone(),
                    None => {
                        let node = Doc::Object(DocMap(refill(members, self.members.drain(start..))));
                        file(&mut self.nodes, &self.seed, hash, node)
                    }
                };
                self.members.truncate(start);
                node
            }
            // Scalars are stored inside their parent: nothing to share.
            scalar => scalar,
        }
    }

    /// The canonical copy of a resource's text: an inventory read again shares the ids, names and regions
    /// of the one before instead of holding a second copy of each until the first is dropped, and the
    /// resources of one subscription or region share its text.
    pub fn text(&mut self, text: ArcStr) -> ArcStr {
        use std::hash::BuildHasher;
        let hash = self.seed.hash_one(text.as_str());
        match self.texts.find(hash, |known| known.as_str() == text.as_str()) {
            Some(known) => known.clone(),
            None => {
                let seed = &self.seed;
                self.texts
                    .insert_unique(hash, text.clone(), |known| seed.hash_one(known.as_str()));
                text
            }
        }
    }

    /// Forgets the nodes and texts no document holds any more (only the interner does), so the interner does
    /// not keep what a refresh dropped.
    pub fn forget_unused(&mut self) {
        self.texts
            .retain(|text| ArcStr::strong_count(text).is_none_or(|count| count > 1));
        let held = |node: &Doc| match node {
            Doc::Array(items) => Arc::strong_count(items) > 1,
            Doc::Object(map) => Arc::strong_count(&map.0) > 1,
            _ => false,
        };
        // Children of a dropped node are released with it: repeat until nothing more goes.
        loop {
            let before = self.len();
            self.nodes.retain(|node| held(node));
            if self.len() == before {
                break;
            }
        }
    }

    /// Distinct texts held.
    pub fn texts(&self) -> usize {
        self.texts.len()
    }

    /// Distinct arrays and objects held.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// Indexing a missing key or a non-object gives `Null`, as with `serde_json::Value`.
impl std::ops::Index<&str> for Doc {
    type Output = Doc;

    fn index(&self, key: &str) -> &Doc {
        self.get(key).unwrap_or(&NULL)
    }
}

impl From<&Value> for Doc {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => Doc::Null,
            Value::Bool(b) => Doc::Bool(*b),
            Value::Number(n) => Doc::Number(n.clone()),
            Value::String(s) => Doc::String(CompactString::new(s)),
            Value::Array(items) => Doc::Array(items.iter().map(Doc::from).collect()),
            // serde_json's map is already sorted with unique keys.
            Value::Object(map) => Doc::Object(DocMap(
                map.iter().map(|(k, v)| (CompactString::new(k), Doc::from(v))).collect(),
            )),
        }
    }
}

impl From<Value> for Doc {
    fn from(value: Value) -> Self {
        Doc::from(&value)
    }
}

impl From<&str> for Doc {
    fn from(text: &str) -> Self {
        Doc::String(CompactString::new(text))
    }
}

impl From<bool> for Doc {
    fn from(value: bool) -> Self {
        Doc::Bool(value)
    }
}

impl PartialEq<Value> for Doc {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Doc::Null, Value::Null) => true,
            (Doc::Bool(a), Value::Bool(b)) => a == b,
            (Doc::Number(a), Value::Number(b)) => a == b,
            (Doc::String(a), Value::String(b)) => a == b,
            (Doc::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y),
            (Doc::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

impl PartialEq<Doc> for Value {
    fn eq(&self, other: &Doc) -> bool {
        other == self
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Doc::Null => serializer.serialize_unit(),
            Doc::Bool(b) => serializer.serialize_bool(*b),
            Doc::Number(n) => n.serialize(serializer),
            Doc::String(s) => serializer.serialize_str(s),
            Doc::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items.iter() {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Doc::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map.iter() {
                    out.serialize_entry(key, value)?;
                }
                out.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocVisitor)
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Doc;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Doc, E> {
        Ok(Doc::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Doc, E> {
        Ok(Doc::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Doc, E> {
        Ok(Doc::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Doc, E> {
        // JSON has no NaN or infinity; serde_json turns them into null too.
        Ok(Number::from_f64(value).map_or(Doc::Null, Doc::Number))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Doc, E> {
        Ok(Doc::String(CompactString::new(value)))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Doc, E> {
        Ok(Doc::String(CompactString::from(value)))
    }

    fn visit_none<E>(self) -> Result<Doc, E> {
        Ok(Doc::Null)
    }

    fn visit_unit<E>(self) -> Result<Doc, E> {
        Ok(Doc::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Doc, D::Error> {
        Deserialize::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Doc::Array(items.into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some((key, value)) = map.next_entry::<CompactString, Doc>()? {
            members.push((key, value));
        }
        Ok(Doc::Object(DocMap::from_members(members)))
    }
}

/// Compact JSON text, as `serde_json::Value`'s `Display` writes it.
impl fmt::Display for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// Debug output is the JSON text: shorter to read in test failures than the nested variants.
impl fmt::Debug for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Debug for DocMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_value_is_three_words() {
        assert_eq!(std::mem::size_of::<Doc>(), 24);
    }

    #[test]
    fn parsing_and_converting_agree_with_serde_json() {
        let text = r#"{"b": [1, -2, 2.5, "x", null, true], "a": {"z": {}, "y": []}, "c": "é\"", "b2": false}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let parsed: Doc = serde_json::from_str(text).unwrap();
        assert_eq!(parsed, Doc::from(&value));
        assert_eq!(parsed, value);
        assert_eq!(parsed.to_string(), value.to_string());
        assert_eq!(parsed.to_value(), value);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), value);
    }

    #[test]
    fn duplicate_keys_keep_the_last_like_serde_json() {
        let text = r#"{"k": 1, "a": 0, "k": 2, "k": 3}"#;
        let parsed: Doc = serde_json::from_str(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(parsed, value);
        assert_eq!(parsed["k"], json!(3));
        assert_eq!(parsed.as_object().map(DocMap::len), Some(2));
    }

    #[test]
    fn lookups_find_members_in_small_and_large_objects() {
        for size in [0usize, 3, LINEAR_SEARCH_MAX, LINEAR_SEARCH_MAX + 1, 200] {
            let value = Value::Object((0..size).map(|i| (format!("key{i}"), json!(i))).collect());
            let doc = Doc::from(&value);
            for i in 0..size {
                assert_eq!(doc.get(&format!("key{i}")).and_then(Doc::as_u64), Some(i as u64));
            }
            assert!(doc.get("key").is_none() && doc.get("zzz").is_none());
        }
        let doc = Doc::from(json!({"p": {"a/b": [10, {"~k": 5}]}}));
        assert_eq!(doc.pointer("/p/a~1b/1/~0k"), Some(&Doc::from(json!(5))));
        assert_eq!(doc.pointer("/p/missing"), None);
        assert!(doc["nope"]["deeper"].is_null());
    }

    #[test]
    fn edited_copies_stay_sorted_and_leave_the_original_alone() {
        let doc = Doc::from(json!({"b": 1, "d": 2, "etag": "x"}));
        let map = doc.as_object().unwrap();
        let edited = Doc::Object(
            map.without(&["etag", "absent"])
                .with("c", Doc::from("new"))
                .with("b", true.into()),
        );
        assert_eq!(edited, json!({"b": true, "c": "new", "d": 2}));
        assert_eq!(edited.to_string(), r#"{"b":true,"c":"new","d":2}"#);
        assert_eq!(doc, json!({"b": 1, "d": 2, "etag": "x"}));
    }

    #[test]
    fn interning_shares_equal_documents_and_keeps_them_equal() {
        let policy = json!({"name": "Microsoft.Default", "properties": {"mode": "Blocking",
            "contentFilters": [{"name": "Hate", "blocking": true}, {"name": "Sexual", "blocking": true}]}});
        let other = json!({"name": "strict", "properties": {"mode": "Blocking",
            "contentFilters": [{"name": "Hate", "blocking": true}, {"name": "Sexual", "blocking": false}]}});
        let mut interner = DocInterner::new();
        let a = interner.intern(Doc::from(&policy));
        let b = interner.intern(Doc::from(&policy));
        let c = interner.intern(Doc::from(&other));
        assert_eq!(a, policy);
        assert_eq!(c, other);
        let (Doc::Object(a_map), Doc::Object(b_map)) = (&a, &b) else {
            panic!("objects expected");
        };
        assert!(Arc::ptr_eq(&a_map.0, &b_map.0), "equal documents share one copy");
        // The first filter is the same in both policies, the second differs.
        let filters = |d: &Doc| {
            d["properties"]["contentFilters"]
                .as_array()
                .map(<[Doc]>::to_vec)
                .unwrap_or_default()
        };
        let (fa, fc) = (filters(&a), filters(&c));
        match (&fa[0], &fc[0], &fa[1], &fc[1]) {
            (Doc::Object(x), Doc::Object(y), Doc::Object(p), Doc::Object(q)) => {
                assert!(Arc::ptr_eq(&x.0, &y.0));
                assert!(!Arc::ptr_eq(&p.0, &q.0));
            }
            _ => panic!("objects expected"),
        }
        // Numbers of different representations stay apart; so do a string and an object.
        let n1 = interner.intern(Doc::from(json!({"v": 1})));
        let n2 = interner.intern(Doc::from(json!({"v": 1.0})));
        assert_eq!(n1, json!({"v": 1}));
        assert_eq!(n2, json!({"v": 1.0}));
        let held = interner.len();
        drop((a, b, c, n1, n2, fa, fc));
        interner.forget_unused();
        assert!(
            interner.is_empty(),
            "{held} nodes interned, {} left after the documents went",
            interner.len()
        );
    }

    fn block(doc: &Doc) -> *const u8 {
        match doc {
            Doc::Array(items) => Arc::as_ptr(items).cast(),
            Doc::Object(map) => Arc::as_ptr(&map.0).cast(),
            _ => std::ptr::null(),
        }
    }

    #[test]
    fn a_parsed_document_is_filed_in_place_and_a_held_one_is_left_alone() {
        let text = r#"{"id": "/subscriptions/s/resourceGroups/rg/providers/p/a/a-long-name-kept-on-the-heap",
            "properties": {"rules": [{"action": "Allow", "value": "10.0.0.0/8"}], "mode": "strict"}}"#;
        let mut interner = DocInterner::new();
        let parsed: Doc = serde_json::from_str(text).expect("json");
        let (top, rules) = (block(&parsed), block(&parsed["properties"]["rules"]));
        let first = interner.intern(parsed);
        assert_eq!(block(&first), top, "a new node is kept in the block it was parsed into");
        assert_eq!(block(&first["properties"]["rules"]), rules);
        // The same text again: found, every node the first one's.
        let again = interner.intern(serde_json::from_str(text).expect("json"));
        assert!(again.is_same_node(&first));
        // A document someone else holds is read, not taken apart: the holder's copy stays whole.
        let held: Doc = serde_json::from_str(&text.replace("strict", "loose")).expect("json");
        let kept = held.clone();
        let canonical = interner.intern(held);
        assert_eq!(kept, canonical);
        assert_eq!(kept["properties"]["mode"], Doc::from("loose"));
        assert!(canonical["properties"]["rules"].is_same_node(&first["properties"]["rules"]));
    }

    #[test]
    fn equal_texts_are_one_copy_until_nothing_holds_them() {
        let mut interner = DocInterner::new();
        let region = interner.text(ArcStr::from(String::from("swedencentral")));
        let again = interner.text(ArcStr::from(String::from("swedencentral")));
        assert!(ArcStr::ptr_eq(&region, &again));
        let other = interner.text(ArcStr::from(String::from("eastus2")));
        assert_eq!(interner.texts(), 2);
        drop(other);
        interner.forget_unused();
        assert_eq!(interner.texts(), 1, "a text nothing holds is forgotten");
        assert!(ArcStr::ptr_eq(&interner.text(ArcStr::from("swedencentral")), &region));
    }

    #[test]
    fn members_are_left_out_by_moving_or_copying_as_the_map_is_held() {
        let doc = Doc::from(json!({"etag": "x", "id": "a-heap-allocated-string-of-some-length", "n": 1}));
        let Doc::Object(map) = doc else {
            panic!("object expected")
        };
        let untouched = map.clone().into_without(&["absent"]);
        assert!(Arc::ptr_eq(&untouched.0, &map.0), "nothing to leave out: the same map");
        let held = map.clone();
        let copied = map.into_without(&["etag"]);
        assert_eq!(
            Doc::Object(copied.clone()),
            json!({"id": "a-heap-allocated-string-of-some-length", "n": 1})
        );
        assert_eq!(
            Doc::Object(held.clone()).get("etag"),
            Some(&Doc::from("x")),
            "the holder's map is whole"
        );
        drop(copied);
        let moved = held.into_without(&["etag", "n"]);
        assert_eq!(
            Doc::Object(moved.clone()),
            json!({"id": "a-heap-allocated-string-of-some-length"})
        );
        let mut moved = moved;
        assert!(
            moved.get_mut("id").is_some(),
            "a map nobody else holds can be changed in place"
        );
        let shared = moved.clone();
        assert!(moved.get_mut("id").is_none(), "a held one cannot");
        drop(shared);
    }

    #[test]
    fn clones_share_their_contents() {
        let doc = Doc::from(json!({"a": [1, 2, 3]}));
        let copy = doc.clone();
        let (Doc::Object(first), Doc::Object(second)) = (&doc, &copy) else {
            panic!("objects expected");
        };
        assert!(Arc::ptr_eq(&first.0, &second.0));
    }
}
