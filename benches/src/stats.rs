//! Statistics of the interleaved runners (`benches/benches/paired.rs`, `eager.rs`): per-round
//! times of two arms, and the median of their per-round ratio with a distribution-free 95%
//! confidence interval.

/// Per-operation times of one case's two arms, one entry per round.
#[derive(Debug, Default)]
pub struct Rounds {
    a: Vec<f64>,
    b: Vec<f64>,
    ratios: Vec<f64>,
}

impl Rounds {
    /// One round's per-operation seconds of arm A and arm B.
    pub fn push(&mut self, a: f64, b: f64) {
        self.a.push(a);
        self.b.push(b);
        self.ratios.push(a / b);
    }

    /// Whether no round was recorded.
    pub fn is_empty(&self) -> bool {
        self.ratios.is_empty()
    }

    /// Median seconds of arm A and of arm B.
    pub fn medians(&mut self) -> (f64, f64) {
        (median(&mut self.a), median(&mut self.b))
    }

    /// The median of the per-round ratios A / B.
    pub fn median_ratio(&mut self) -> f64 {
        median(&mut self.ratios)
    }

    /// Markdown cells: median of A, of B, then the ratio's median, 95% CI and quartiles.
    pub fn cells(&mut self) -> String {
        let (a, b) = self.medians();
        format!(
            "{} | {} | {}",
            format_time(a),
            format_time(b),
            self.ratio_cells()
        )
    }

    /// Markdown cells of the ratio: median, 95% CI of the median, quartiles.
    pub fn ratio_cells(&mut self) -> String {
        let (low, high) = median_ci(&mut self.ratios);
        format!(
            "{:.3}× | {low:.3}–{high:.3} | {:.3}–{:.3}",
            median(&mut self.ratios),
            quantile(&mut self.ratios, 0.25),
            quantile(&mut self.ratios, 0.75),
        )
    }
}

/// The median (sorts `values`).
pub fn median(values: &mut [f64]) -> f64 {
    quantile(values, 0.5)
}

/// The `q` quantile by linear interpolation (sorts `values`).
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let pos = q * (values.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
}

/// A distribution-free 95% confidence interval of the median: order statistics
/// n/2 ± 1.96·√n/2 (clamped to the sample).
pub fn median_ci(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    let half = 1.96 * n.sqrt() / 2.0;
    let lo = ((n / 2.0 - half).floor().max(0.0)) as usize;
    let hi = ((n / 2.0 + half).ceil() as usize).min(values.len() - 1);
    (values[lo], values[hi])
}

/// Seconds as milliseconds or microseconds.
pub fn format_time(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.3} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}
