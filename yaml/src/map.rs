//! [`Map`]: the string-keyed map of the document model, in insertion order.
//!
//! A newtype over `indexmap`'s map (with `foldhash`'s hasher) so that neither crate is part of
//! the public API. Its methods have the names and signatures of `IndexMap`'s (a key to look up
//! is anything that is a `str`); they are thin and inlined.

use crate::node::Node;
use std::fmt;
use std::iter::FusedIterator;
use std::ops::{Index, IndexMut};

type Inner = indexmap::IndexMap<String, Node, foldhash::fast::RandomState>;

/// Up to this many entries, a lookup compares keys in order instead of hashing the key.
const SMALL: usize = 8;

/// What [`Map::small_find`] found.
enum Small {
    /// The key is at this position.
    At(usize),
    /// The map is small and does not have the key.
    Missing,
    /// The map is too big to scan: look the key up by its hash.
    Large,
}

/// A string-keyed map that keeps insertion order (output order is decided by the emitter).
#[derive(Clone, Default)]
pub struct Map(Inner);

impl Map {
    /// An empty map.
    #[inline]
    pub fn new() -> Map {
        Map::default()
    }

    /// An empty map with room for `n` entries.
    #[inline]
    pub fn with_capacity(n: usize) -> Map {
        Map(Inner::with_capacity_and_hasher(n, Default::default()))
    }

    /// Where `key` is in a small map, found by comparing keys in order: for a few entries
    /// that is cheaper than hashing the key, and most of a document's maps are that small.
    #[inline]
    fn small_find(&self, key: &str) -> Small {
        if self.0.len() > SMALL {
            return Small::Large;
        }
        match self.0.keys().position(|k| k.as_str() == key) {
            Some(i) => Small::At(i),
            None => Small::Missing,
        }
    }

    /// The number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map has no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at `key`.
    #[inline]
    pub fn get<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<&Node> {
        match self.small_find(key.as_ref()) {
            Small::At(i) => self.0.get_index(i).map(|(_, v)| v),
            Small::Missing => None,
            Small::Large => self.0.get(key.as_ref()),
        }
    }

    /// The value at `key`, mutably.
    #[inline]
    pub fn get_mut<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<&mut Node> {
        match self.small_find(key.as_ref()) {
            Small::At(i) => self.0.get_index_mut(i).map(|(_, v)| v),
            Small::Missing => None,
            Small::Large => self.0.get_mut(key.as_ref()),
        }
    }

    /// The stored key and the value at `key`.
    #[inline]
    pub fn get_key_value<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<(&String, &Node)> {
        match self.small_find(key.as_ref()) {
            Small::At(i) => self.0.get_index(i),
            Small::Missing => None,
            Small::Large => self.0.get_key_value(key.as_ref()),
        }
    }

    /// The position of `key` in the map's order.
    #[inline]
    pub fn get_index_of<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<usize> {
        match self.small_find(key.as_ref()) {
            Small::At(i) => Some(i),
            Small::Missing => None,
            Small::Large => self.0.get_index_of(key.as_ref()),
        }
    }

    /// The entry at position `index`.
    #[inline]
    pub fn get_index(&self, index: usize) -> Option<(&String, &Node)> {
        self.0.get_index(index)
    }

    /// The entry at position `index`, its value mutably.
    #[inline]
    pub fn get_index_mut(&mut self, index: usize) -> Option<(&String, &mut Node)> {
        self.0.get_index_mut(index)
    }

    /// Whether the map has `key`.
    #[inline]
    pub fn contains_key<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> bool {
        self.get_index_of(key).is_some()
    }

    /// Sets `key` to `value`, keeping the key's place if it was there; returns the old value.
    #[inline]
    pub fn insert(&mut self, key: String, value: Node) -> Option<Node> {
        self.0.insert(key, value)
    }

    /// Sets `key` to `value`; returns the key's position and the old value.
    #[inline]
    pub fn insert_full(&mut self, key: String, value: Node) -> (usize, Option<Node>) {
        self.0.insert_full(key, value)
    }

    /// Inserts `key` at position `index` (or moves it there); returns the old value.
    #[inline]
    pub fn shift_insert(&mut self, index: usize, key: String, value: Node) -> Option<Node> {
        self.0.shift_insert(index, key, value)
    }

    /// Removes `key`, keeping the order of the others; returns its value.
    #[inline]
    pub fn shift_remove<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<Node> {
        self.0.shift_remove(key.as_ref())
    }

    /// Removes `key`, keeping the order of the others; returns the stored key and the value.
    #[inline]
    pub fn shift_remove_entry<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<(String, Node)> {
        self.0.shift_remove_entry(key.as_ref())
    }

    /// Removes the entry at position `index`, keeping the order of the others.
    #[inline]
    pub fn shift_remove_index(&mut self, index: usize) -> Option<(String, Node)> {
        self.0.shift_remove_index(index)
    }

    /// Removes `key` by moving the last entry into its place; returns its value.
    #[inline]
    pub fn swap_remove<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<Node> {
        self.0.swap_remove(key.as_ref())
    }

    /// Keeps the entries for which `keep` answers true, in order.
    #[inline]
    pub fn retain(&mut self, keep: impl FnMut(&String, &mut Node) -> bool) {
        self.0.retain(keep)
    }

    /// Sorts the entries by key.
    #[inline]
    pub fn sort_keys(&mut self) {
        self.0.sort_keys()
    }

    /// Sorts the entries with `cmp`, keeping equal ones in order.
    #[inline]
    pub fn sort_by(&mut self, cmp: impl FnMut(&String, &Node, &String, &Node) -> std::cmp::Ordering) {
        self.0.sort_by(cmp)
    }

    /// Removes every entry.
    #[inline]
    pub fn clear(&mut self) {
        self.0.clear()
    }

    /// The first entry.
    #[inline]
    pub fn first(&self) -> Option<(&String, &Node)> {
        self.0.first()
    }

    /// The last entry.
    #[inline]
    pub fn last(&self) -> Option<(&String, &Node)> {
        self.0.last()
    }

    /// The entry of `key`, to read or fill in one lookup.
    #[inline]
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        match self.0.entry(key) {
            indexmap::map::Entry::Occupied(e) => Entry::Occupied(OccupiedEntry(e)),
            indexmap::map::Entry::Vacant(e) => Entry::Vacant(VacantEntry(e)),
        }
    }

    /// The entries in order.
    #[inline]
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.0.iter())
    }

    /// The entries in order, values mutably.
    #[inline]
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.0.iter_mut())
    }

    /// The keys in order.
    #[inline]
    pub fn keys(&self) -> Keys<'_> {
        Keys(self.0.keys())
    }

    /// The values in order.
    #[inline]
    pub fn values(&self) -> Values<'_> {
        Values(self.0.values())
    }

    /// The values in order, mutably.
    #[inline]
    pub fn values_mut(&mut self) -> ValuesMut<'_> {
        ValuesMut(self.0.values_mut())
    }

    /// The keys in order, the map consumed.
    #[inline]
    pub fn into_keys(self) -> IntoKeys {
        IntoKeys(self.0.into_keys())
    }

    /// The values in order, the map consumed.
    #[inline]
    pub fn into_values(self) -> IntoValues {
        IntoValues(self.0.into_values())
    }
}

/// Maps print as `{"key": value, ...}`.
impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Equal when both have the same keys with equal values, in any order.
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Index<&str> for Map {
    type Output = Node;

    /// The value at `key`; panics when the key is missing.
    #[inline]
    fn index(&self, key: &str) -> &Node {
        match self.get(key) {
            Some(value) => value,
            None => panic!("no key {key:?} in the map"),
        }
    }
}

impl IndexMut<&str> for Map {
    /// The value at `key`, mutably; panics when the key is missing.
    #[inline]
    fn index_mut(&mut self, key: &str) -> &mut Node {
        match self.get_mut(key) {
            Some(value) => value,
            None => panic!("no key {key:?} in the map"),
        }
    }
}

impl FromIterator<(String, Node)> for Map {
    #[inline]
    fn from_iter<I: IntoIterator<Item = (String, Node)>>(entries: I) -> Map {
        Map(Inner::from_iter(entries))
    }
}

impl<const N: usize> From<[(String, Node); N]> for Map {
    #[inline]
    fn from(entries: [(String, Node); N]) -> Map {
        Map::from_iter(entries)
    }
}

impl Extend<(String, Node)> for Map {
    #[inline]
    fn extend<I: IntoIterator<Item = (String, Node)>>(&mut self, entries: I) {
        self.0.extend(entries)
    }
}

impl IntoIterator for Map {
    type Item = (String, Node);
    type IntoIter = IntoIter;

    #[inline]
    fn into_iter(self) -> IntoIter {
        IntoIter(self.0.into_iter())
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Node);
    type IntoIter = Iter<'a>;

    #[inline]
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Node);
    type IntoIter = IterMut<'a>;

    #[inline]
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

/// An entry of a [`Map`], from [`Map::entry`].
pub enum Entry<'a> {
    /// The key is in the map.
    Occupied(OccupiedEntry<'a>),
    /// The key is not in the map.
    Vacant(VacantEntry<'a>),
}

/// A key that is in the map.
pub struct OccupiedEntry<'a>(indexmap::map::OccupiedEntry<'a, String, Node>);

/// A key that is not in the map yet.
pub struct VacantEntry<'a>(indexmap::map::VacantEntry<'a, String, Node>);

impl<'a> Entry<'a> {
    /// The value, inserted as `value` if the key was missing.
    #[inline]
    pub fn or_insert(self, value: Node) -> &'a mut Node {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(value),
        }
    }

    /// The value, inserted as `make()` if the key was missing.
    #[inline]
    pub fn or_insert_with(self, make: impl FnOnce() -> Node) -> &'a mut Node {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(make()),
        }
    }

    /// The value, inserted as null if the key was missing.
    #[inline]
    pub fn or_default(self) -> &'a mut Node {
        self.or_insert_with(Node::null)
    }

    /// The entry's key.
    #[inline]
    pub fn key(&self) -> &String {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    /// The entry's position in the map's order (the end for a vacant one).
    #[inline]
    pub fn index(&self) -> usize {
        match self {
            Entry::Occupied(e) => e.index(),
            Entry::Vacant(e) => e.index(),
        }
    }
}

impl<'a> OccupiedEntry<'a> {
    /// The key.
    #[inline]
    pub fn key(&self) -> &String {
        self.0.key()
    }

    /// The key's position in the map's order.
    #[inline]
    pub fn index(&self) -> usize {
        self.0.index()
    }

    /// The value.
    #[inline]
    pub fn get(&self) -> &Node {
        self.0.get()
    }

    /// The value, mutably.
    #[inline]
    pub fn get_mut(&mut self) -> &mut Node {
        self.0.get_mut()
    }

    /// The value, mutably, for as long as the map is borrowed.
    #[inline]
    pub fn into_mut(self) -> &'a mut Node {
        self.0.into_mut()
    }

    /// Replaces the value; returns the old one.
    #[inline]
    pub fn insert(&mut self, value: Node) -> Node {
        self.0.insert(value)
    }

    /// Removes the entry, keeping the order of the others; returns its value.
    #[inline]
    pub fn shift_remove(self) -> Node {
        self.0.shift_remove()
    }
}

impl<'a> VacantEntry<'a> {
    /// The key.
    #[inline]
    pub fn key(&self) -> &String {
        self.0.key()
    }

    /// The position the key will have (the end of the map).
    #[inline]
    pub fn index(&self) -> usize {
        self.0.index()
    }

    /// Inserts the key with `value`; returns the value, mutably.
    #[inline]
    pub fn insert(self, value: Node) -> &'a mut Node {
        self.0.insert(value)
    }
}

/// An iterator that wraps one of `indexmap`'s, every method passed through.
macro_rules! iterator {
    ($(#[$doc:meta])* $name:ident $(<$l:lifetime>)?, $inner:ty, $item:ty) => {
        $(#[$doc])*
        pub struct $name$(<$l>)?($inner);

        impl$(<$l>)? Iterator for $name$(<$l>)? {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.0.next()
            }

            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }

            #[inline]
            fn count(self) -> usize {
                self.0.len()
            }

            #[inline]
            fn nth(&mut self, n: usize) -> Option<$item> {
                self.0.nth(n)
            }

            #[inline]
            fn last(mut self) -> Option<$item> {
                self.0.next_back()
            }
        }

        impl$(<$l>)? DoubleEndedIterator for $name$(<$l>)? {
            #[inline]
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back()
            }
        }

        impl$(<$l>)? ExactSizeIterator for $name$(<$l>)? {
            #[inline]
            fn len(&self) -> usize {
                self.0.len()
            }
        }

        impl$(<$l>)? FusedIterator for $name$(<$l>)? {}
    };
}

iterator!(
    /// The entries of a [`Map`] in order ([`Map::iter`]).
    Iter<'a>, indexmap::map::Iter<'a, String, Node>, (&'a String, &'a Node)
);
iterator!(
    /// The entries of a [`Map`] in order, values mutably ([`Map::iter_mut`]).
    IterMut<'a>, indexmap::map::IterMut<'a, String, Node>, (&'a String, &'a mut Node)
);
iterator!(
    /// The entries of a [`Map`] in order, owned (`Map::into_iter`).
    IntoIter, indexmap::map::IntoIter<String, Node>, (String, Node)
);
iterator!(
    /// The keys of a [`Map`] in order ([`Map::keys`]).
    Keys<'a>, indexmap::map::Keys<'a, String, Node>, &'a String
);
iterator!(
    /// The values of a [`Map`] in order ([`Map::values`]).
    Values<'a>, indexmap::map::Values<'a, String, Node>, &'a Node
);
iterator!(
    /// The values of a [`Map`] in order, mutably ([`Map::values_mut`]).
    ValuesMut<'a>, indexmap::map::ValuesMut<'a, String, Node>, &'a mut Node
);
iterator!(
    /// The keys of a [`Map`] in order, owned ([`Map::into_keys`]).
    IntoKeys, indexmap::map::IntoKeys<String, Node>, String
);
iterator!(
    /// The values of a [`Map`] in order, owned ([`Map::into_values`]).
    IntoValues, indexmap::map::IntoValues<String, Node>, Node
);

impl Clone for Iter<'_> {
    #[inline]
    fn clone(&self) -> Self {
        Iter(self.0.clone())
    }
}

impl Clone for Keys<'_> {
    #[inline]
    fn clone(&self) -> Self {
        Keys(self.0.clone())
    }
}

impl Clone for Values<'_> {
    #[inline]
    fn clone(&self) -> Self {
        Values(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(keys: &[&str]) -> Map {
        keys.iter().map(|k| (k.to_string(), Node::string(*k))).collect()
    }

    #[test]
    fn entries_keep_the_order_they_were_inserted_in() {
        let mut m = map(&["b", "a"]);
        m.insert("c".into(), Node::null());
        m.insert("b".into(), Node::null());
        assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(m.iter().next_back().map(|(k, _)| k.as_str()), Some("c"));
    }

    #[test]
    fn shift_remove_keeps_the_order_of_the_others() {
        let mut m = map(&["a", "b", "c"]);
        assert_eq!(m.shift_remove("a"), Some(Node::string("a")));
        assert_eq!(m.get_index_of("c"), Some(1));
        assert_eq!(m.into_keys().collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn an_entry_knows_its_position_and_fills_a_missing_key_once() {
        let mut m = map(&["a"]);
        assert_eq!(m.entry("a".into()).index(), 0);
        assert_eq!(m.entry("z".into()).index(), 1);
        *m.entry("z".into()).or_insert_with(Node::map) = Node::string("set");
        m.entry("z".into()).or_insert_with(|| unreachable!("the key is there"));
        assert_eq!(m["z"], Node::string("set"));
    }

    #[test]
    fn lookups_find_the_same_entries_in_small_and_large_maps() {
        for n in [0, 1, SMALL, SMALL + 1, 40] {
            let keys: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
            let mut m = map(&keys.iter().map(String::as_str).collect::<Vec<_>>());
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(m.get_index_of(k), Some(i));
                assert_eq!(m.get_key_value(k), Some((k, &Node::string(k.as_str()))));
                assert!(m.contains_key(k));
                *m.get_mut(k).unwrap() = Node::null();
                assert_eq!(m[k.as_str()], Node::null());
            }
            assert_eq!(m.get("missing"), None);
            assert_eq!(m.get_index_of("k"), None);
            assert!(!m.contains_key("missing"));
        }
    }

    #[test]
    fn maps_are_equal_whatever_their_order() {
        assert_eq!(map(&["a", "b"]), map(&["b", "a"]));
        assert_ne!(map(&["a", "b"]), map(&["a"]));
    }

    #[test]
    fn debug_prints_the_entries_as_a_map() {
        let node = Node::string("a");
        assert_eq!(format!("{:?}", map(&["a"])), format!("{{\"a\": {node:?}}}"));
    }
}
