//! Shared state injected into `#[every]` jobs.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, PoisonError, RwLock};

/// Shared state of type `S`, given to a job that takes a `State<S>` parameter.
///
/// Provide the value once at startup with [`configure().state(value)`](crate::Configure::state);
/// every job taking `State<S>` then receives it on each tick. A job may take several `State`
/// parameters of different types. Cloning is one reference-count increment.
///
/// # Examples
///
/// ```
/// use periodic::State;
///
/// #[derive(Debug)]
/// struct Pool { size: u32 }
///
/// let pool = State::new(Pool { size: 4 });
/// let copy = pool.clone(); // cheap: both point at one `Pool`
/// assert_eq!(copy.size, 4);
/// ```
pub struct State<S: ?Sized>(Arc<S>);

impl<S> State<S> {
    /// Wraps a value.
    ///
    /// # Examples
    ///
    /// ```
    /// use periodic::State;
    ///
    /// let greeting = State::new(String::from("hello"));
    /// assert_eq!(greeting.len(), 5); // derefs to the value
    /// ```
    pub fn new(value: S) -> Self {
        State(Arc::new(value))
    }
}

impl<S: ?Sized> State<S> {
    /// The shared `Arc` inside. [`State::from`] an `Arc` is the way back.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use periodic::State;
    ///
    /// let state = State::new(vec![1, 2, 3]);
    /// let copy = state.clone();
    /// let arc: Arc<Vec<i32>> = state.into_arc();
    /// assert_eq!(Arc::strong_count(&arc), 2); // `copy` shares it
    /// let back = State::from(arc);
    /// assert_eq!(*back, *copy);
    /// ```
    pub fn into_arc(self) -> Arc<S> {
        self.0
    }
}

impl<S: ?Sized> From<Arc<S>> for State<S> {
    fn from(arc: Arc<S>) -> Self {
        State(arc)
    }
}

impl<S: ?Sized> Clone for State<S> {
    fn clone(&self) -> Self {
        State(self.0.clone())
    }
}

impl<S: ?Sized> Deref for State<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.0
    }
}

impl<S: ?Sized + fmt::Debug> fmt::Debug for State<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&&*self.0).finish()
    }
}

type Entry = Arc<dyn Any + Send + Sync>;

/// The process-wide state store. Jobs are process-wide statics, so their state is too.
static STORE: RwLock<Option<HashMap<TypeId, Entry>>> = RwLock::new(None);

/// Stores `value` as the state of type `S`, replacing an earlier one.
pub(crate) fn insert(type_id: TypeId, value: Entry) {
    let mut store = STORE.write().unwrap_or_else(PoisonError::into_inner);
    store
        .get_or_insert_with(HashMap::new)
        .insert(type_id, value);
}

/// Whether state of this type is present.
pub(crate) fn contains(type_id: TypeId) -> bool {
    let store = STORE.read().unwrap_or_else(PoisonError::into_inner);
    store.as_ref().is_some_and(|m| m.contains_key(&type_id))
}

/// The state of type `S`, if provided.
pub(crate) fn get<S: Send + Sync + 'static>() -> Option<State<S>> {
    let store = STORE.read().unwrap_or_else(PoisonError::into_inner);
    let entry = store.as_ref()?.get(&TypeId::of::<S>())?.clone();
    drop(store);
    entry.downcast::<S>().ok().map(State)
}
