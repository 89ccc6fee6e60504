//! Compressed sparse rows: the adjacency layout of every graph in evac (the network file,
//! the import's strongly-connected-component pass, the planner's problem).

/// Rows of `u32` values: row `v` is `values[offsets[v]..offsets[v + 1]]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Csr {
    pub offsets: Vec<u32>,
    pub values: Vec<u32>,
}

impl Csr {
    /// Row offsets for items whose rows are `keys` (a counting sort's first half):
    /// `offsets[v]` is the number of items in rows before `v`.
    ///
    /// ```
    /// let offsets = evac_network::Csr::offsets(3, [2, 0, 2]);
    /// assert_eq!(offsets, vec![0, 1, 1, 3]);
    /// ```
    pub fn offsets(rows: usize, keys: impl IntoIterator<Item = u32>) -> Vec<u32> {
        let mut offsets = vec![0u32; rows + 1];
        for k in keys {
            offsets[k as usize + 1] += 1;
        }
        for v in 0..rows {
            offsets[v + 1] += offsets[v];
        }
        offsets
    }

    /// Rows from `(row, value)` pairs, in the order given within each row. `pairs` is
    /// called twice (count, then fill) so that no intermediate list is allocated.
    pub fn from_pairs<I: Iterator<Item = (u32, u32)>>(rows: usize, pairs: impl Fn() -> I) -> Csr {
        let offsets = Self::offsets(rows, pairs().map(|(r, _)| r));
        let mut values = vec![0u32; offsets[rows] as usize];
        let mut fill = offsets.clone();
        for (r, v) in pairs() {
            values[fill[r as usize] as usize] = v;
            fill[r as usize] += 1;
        }
        Csr { offsets, values }
    }

    /// Rows of item positions: item `i` (the `i`-th key) is listed in row `keys[i]`.
    ///
    /// ```
    /// let out = evac_network::Csr::build(3, [2u32, 0, 2].into_iter());
    /// assert_eq!(out.row(2), &[0, 2]);
    /// assert_eq!(out.row(1), &[] as &[u32]);
    /// ```
    pub fn build(rows: usize, keys: impl Iterator<Item = u32> + Clone) -> Csr {
        Self::from_pairs(rows, || keys.clone().enumerate().map(|(i, k)| (k, i as u32)))
    }

    /// (Inlined across crates: the planner's max flow reads rows in its innermost loop.)
    #[inline]
    pub fn row(&self, v: u32) -> &[u32] {
        &self.values[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }

    pub fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}
