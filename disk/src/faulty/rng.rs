//! A tiny deterministic random number generator (xorshift64*), so that torn crash images depend
//! only on their seed.
//!
//! Invariant: the state is never zero (xorshift would then stay at zero forever).

/// xorshift64* seeded through splitmix64, so that nearby seeds give unrelated streams.
#[derive(Debug, Clone)]
pub(crate) struct Xorshift {
    state: u64,
}

impl Xorshift {
    pub(crate) fn new(seed: u64) -> Self {
        // splitmix64 finaliser: spreads the seed bits and avoids the all-zero state.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self {
            state: if z == 0 { 0x2545_F491_4F6C_DD1D } else { z },
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A fair coin.
    pub(crate) fn next_bool(&mut self) -> bool {
        self.next_u64() >> 63 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::Xorshift;

    #[test]
    fn same_seed_gives_same_stream() {
        let mut a = Xorshift::new(7);
        let mut b = Xorshift::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn zero_seed_does_not_get_stuck() {
        let mut rng = Xorshift::new(0);
        let first = rng.next_u64();
        assert_ne!(first, 0);
        assert_ne!(rng.next_u64(), first);
    }
}
