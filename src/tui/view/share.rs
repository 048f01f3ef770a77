//! Widths for panes side by side, by their content: a pane gets the width its longest row
//! needs when that fits its fair part; the panes that need more share what is left. Pure.

/// Splits `total` columns between panes that want `wants` columns each (their longest row,
/// borders included). A want is capped at `cap_percent` of the total, and no pane gets less
/// than `min` (less when `total` cannot give every pane that much). Columns nobody needs are
/// spread evenly. The widths sum to `total`.
pub fn share(total: u16, wants: &[u16], min: u16, cap_percent: u16) -> Vec<u16> {
    let n = wants.len();
    if n == 0 {
        return Vec::new();
    }
    let count = n as u32;
    let total32 = u32::from(total);
    let min = u32::from(min).min(total32 / count);
    let cap = (total32 * u32::from(cap_percent.min(100)) / 100).max(min);
    let wants: Vec<u32> = wants
        .iter()
        .map(|w| u32::from(*w).clamp(min, cap))
        .collect();
    // The smallest wants first: each takes at most a fair part of what is left, so a pane
    // that needs little gets all of it and the hungry ones share the rest.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| wants[*i]);
    let mut out = vec![0u32; n];
    let mut left = total32;
    for (k, &i) in order.iter().enumerate() {
        let fair = left / (count - k as u32);
        out[i] = wants[i].min(fair).max(min.min(left));
        left -= out[i];
    }
    for (k, w) in out.iter_mut().enumerate() {
        *w += left / count + u32::from((k as u32) < left % count);
    }
    out.into_iter()
        .map(|w| u16::try_from(w).unwrap_or(u16::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn a_pane_that_needs_little_gives_the_rest_to_the_one_that_needs_more() {
        // Connections need 57, Apps 90 of 120: Connections get all they need.
        assert_eq!(share(120, &[57, 90], 30, 75), vec![57, 63]);
        assert_eq!(share(120, &[90, 57], 30, 75), vec![63, 57]);
    }

    #[test]
    fn room_nobody_needs_is_spread_evenly_and_the_sum_is_the_total() {
        assert_eq!(share(160, &[57, 65], 30, 75), vec![76, 84]);
        assert_eq!(share(121, &[10, 10], 30, 75), vec![61, 60]);
        for total in [0u16, 1, 7, 59, 80, 100, 119, 120, 121, 250, 1000] {
            for wants in [[0u16, 0], [5, 500], [500, 500], [60, 61], [1, 2]] {
                let w = share(total, &wants, 30, 75);
                assert_eq!(
                    w.iter().map(|x| u32::from(*x)).sum::<u32>(),
                    u32::from(total)
                );
            }
        }
    }

    #[test]
    fn both_hungry_panes_share_fairly_and_the_cap_keeps_the_other_visible() {
        assert_eq!(share(120, &[200, 200], 30, 75), vec![60, 60]);
        // One pane with a very long row: capped at 75%, the other keeps a quarter.
        assert_eq!(share(120, &[500, 100], 30, 75), vec![60, 60]);
        assert_eq!(share(120, &[500, 20], 30, 75), vec![90, 30]);
    }

    #[test]
    fn the_minimum_holds_and_gives_way_only_when_the_total_is_too_small() {
        assert_eq!(share(100, &[95, 5], 30, 90), vec![70, 30]);
        assert_eq!(share(40, &[95, 5], 30, 90), vec![20, 20]);
        assert_eq!(share(3, &[1, 1, 1], 30, 75), vec![1, 1, 1]);
        assert_eq!(share(10, &[], 30, 75), Vec::<u16>::new());
    }
}
