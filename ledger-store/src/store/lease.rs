//! [`Lease`]: takes a component (the writer, the index journal) out of its `RefCell` slot for the
//! duration of a maintenance operation and puts it back on drop, so no `RefCell` borrow is held
//! across an `.await` and a cancelled operation still returns the component.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use crate::error::StoreError;

/// A component taken out of its slot.
pub(crate) struct Lease<'a, T> {
    slot: &'a RefCell<Option<T>>,
    value: Option<T>,
}

impl<'a, T> Lease<'a, T> {
    /// Takes the component; fails only if another lease is outstanding (the gate prevents it).
    pub(crate) fn take(slot: &'a RefCell<Option<T>>) -> Result<Self, StoreError> {
        let value = slot.borrow_mut().take().ok_or(StoreError::Poisoned)?;
        Ok(Self {
            slot,
            value: Some(value),
        })
    }
}

impl<T> Deref for Lease<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // The value is only taken out in `drop`.
        self.value
            .as_ref()
            .unwrap_or_else(|| unreachable!("lease value present until drop"))
    }
}

impl<T> DerefMut for Lease<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
            .as_mut()
            .unwrap_or_else(|| unreachable!("lease value present until drop"))
    }
}

impl<T> Drop for Lease<'_, T> {
    fn drop(&mut self) {
        *self.slot.borrow_mut() = self.value.take();
    }
}
