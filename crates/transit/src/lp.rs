//! A small dense simplex for `max c·x s.t. A x <= b, x >= 0` with `b >= 0`, enough for the
//! lower bound's linear program (a few dozen variables, a few hundred rows). `b >= 0` makes
//! the slack basis feasible, so no first phase is needed; the bound solves the dual of its
//! covering program, which has exactly that form.

/// The optimum `x` (or the last feasible point when the pivot limit is hit: any feasible
/// point of the dual is still a valid bound once [`crate::bound`] has checked it).
pub fn maximize(c: &[f64], a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let (m, n) = (a.len(), c.len());
    let width = n + m + 1;
    // Rows 0..m are constraints (structural, slack, rhs); row m is the objective (reduced
    // costs, negated so that a negative entry means "entering improves").
    let mut t = vec![0.0f64; (m + 1) * width];
    for i in 0..m {
        t[i * width..i * width + n].copy_from_slice(&a[i]);
        t[i * width + n + i] = 1.0;
        t[i * width + n + m] = b[i].max(0.0);
    }
    for j in 0..n {
        t[m * width + j] = -c[j];
    }
    let mut basis: Vec<usize> = (n..n + m).collect();
    const EPS: f64 = 1e-10;
    let max_pivots = 50 * (n + m) + 1000;
    for pivot in 0..max_pivots {
        // Dantzig's rule, falling back to Bland's (smallest index) after many pivots so that
        // degenerate cycling cannot go on forever.
        let bland = pivot > 10 * (n + m);
        let obj = &t[m * width..m * width + n + m];
        let entering = if bland {
            obj.iter().position(|&v| v < -EPS)
        } else {
            obj.iter().enumerate().filter(|(_, v)| **v < -EPS).min_by(|x, y| x.1.total_cmp(y.1)).map(|(j, _)| j)
        };
        let Some(e) = entering else { break };
        let mut leave: Option<(f64, usize)> = None;
        for i in 0..m {
            let coef = t[i * width + e];
            if coef > EPS {
                let ratio = t[i * width + n + m] / coef;
                if leave.is_none_or(|(r, li)| ratio < r - 1e-12 || (ratio <= r + 1e-12 && basis[i] < basis[li])) {
                    leave = Some((ratio, i));
                }
            }
        }
        // Unbounded: cannot happen for the bound's program (its objective is capped by the
        // normalising row), but stop rather than loop.
        let Some((_, r)) = leave else { break };
        let pv = t[r * width + e];
        for j in 0..width {
            t[r * width + j] /= pv;
        }
        for i in 0..=m {
            if i == r {
                continue;
            }
            let f = t[i * width + e];
            if f.abs() > 0.0 {
                for j in 0..width {
                    t[i * width + j] -= f * t[r * width + j];
                }
            }
        }
        basis[r] = e;
    }
    let mut x = vec![0.0; n];
    for (i, &bv) in basis.iter().enumerate() {
        if bv < n {
            x[bv] = t[i * width + n + m].max(0.0);
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::maximize;

    #[test]
    fn solves_a_textbook_program() {
        // max 3x + 5y s.t. x <= 4, 2y <= 12, 3x + 2y <= 18: x = 2, y = 6, value 36.
        let x = maximize(&[3.0, 5.0], &[vec![1.0, 0.0], vec![0.0, 2.0], vec![3.0, 2.0]], &[4.0, 12.0, 18.0]);
        assert!((x[0] - 2.0).abs() < 1e-9 && (x[1] - 6.0).abs() < 1e-9, "{x:?}");
    }

    #[test]
    fn degenerate_programs_end() {
        let x = maximize(&[1.0, 1.0, 1.0], &[vec![1.0, 1.0, 0.0], vec![0.0, 1.0, 1.0], vec![1.0, 0.0, 1.0]], &[0.0; 3]);
        assert!(x.iter().all(|v| v.abs() < 1e-12));
    }
}
