//! The streaming detector of ANOMALY.md §5: one per (resource, metric) series, fed point by point.

use std::collections::VecDeque;

use super::Detection;
use super::calibrate::Calibrator;
use super::poisson::{normal_two_sided_surprise, upper_tail_surprise};
use super::range::Range;
use super::season::SeasonStore;
use super::window::RollingOrder;
use crate::model::AlertLevel;

/// Rolling window length (points).
pub const WINDOW: usize = 720;
/// Points in the level (sustained shift) mean.
const LEVEL_N: usize = 12;
/// No alert of any kind before this many points have been learned.
pub const COLD_START: u64 = 150;
/// Calibrated components alert only once the series spans this long (Azure's "no alerts before 3 days"): a
/// statistic that follows the daily cycle is not calibrated until several cycles have been seen.
const CALIBRATION_SECS: i64 = 3 * 86_400;
/// Components need this many points in their window before they score.
const MIN_BASE: usize = 30;
/// A seasonal baseline needs values from this many past days (weeks).
const SEASON_MIN: usize = 3;
/// −log10 p for warn / page; an episode clears below `CLEAR`.
pub const WARN: f64 = 3.0;
pub const PAGE: f64 = 4.0;
const CLEAR: f64 = 2.0;
/// A single point needs this many more decades than a 2-point run.
const PERSISTENCE: f64 = 1.5;
/// Re-fire within this many points only on a new maximum.
const DEDUP: usize = 75;
/// Novelty: beyond the 28-day range by 5% of that range (and, for counts, by at least 3 Poisson σ in √ space).
const NOVELTY_TOL: f64 = 0.05;
const NOVELTY_FLOOR_COUNTS: f64 = 1.5;
const NOVELTY_SURPRISE: f64 = 6.0;
/// Poisson σ on the Anscombe scale.
const COUNTS_SIGMA_FLOOR: f64 = 0.5;
/// Below this expected count per bucket the spike component uses the exact Poisson tail.
const LOW_RATE: f64 = 1.0;
/// An alert episode longer than this is accepted as the new normal and learned.
const ACCEPT_AFTER: usize = WINDOW / 2;
/// The calibrators learn the statistics of the first few points of an alert episode (so a pattern that recurs,
/// like a weekend peak before the weekly baseline exists, stops alarming), but not of the rest (so one long
/// attack does not make the next one look ordinary).
const EPISODE_STATS: usize = 2;
/// A drop is reported (as a warning) only when the value falls to at most this share of the usual level.
const DROP_SHARE: f64 = 0.1;
/// |z| with a two-sided normal tail of 1e-3: the least a z-component must reach to warn.
const FALLBACK_Z: f64 = 3.29;
const MAD_K: f64 = 1.4826;
const MEAN_AD_K: f64 = 1.2533;
const VALUE_LIMIT: f64 = 1e100;
const Z_LIMIT: f64 = 1e12;

/// How values are transformed before scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesKind {
    /// Decide from the first 150 finite points: counts if all are non-negative integers.
    Auto,
    /// Counts (requests, 401s, 429s, tokens): Anscombe √(x + 3/8), Poisson floors, exact Poisson tail at low rates.
    Counts,
    /// Any real values: no transform.
    Continuous,
}

/// Which part of the detector judged a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// |y − rolling median| / σ (or, for counts below 1 per bucket, the exact Poisson tail).
    Rolling,
    /// Mean of the last 12 points against the rolling median.
    Level,
    /// Median of the same time-of-day slot over the last 7 days.
    Daily,
    /// Median of the same slot of the week over the last 4 weeks.
    Weekly,
    /// Beyond the range of the last 28 days.
    Novelty,
}

impl Component {
    /// Plain words for the UI.
    pub fn reason(self) -> &'static str {
        match self {
            Component::Rolling => "rolling baseline",
            Component::Level => "sustained level shift",
            Component::Daily => "same time of day",
            Component::Weekly => "same time last weeks",
            Component::Novelty => "beyond anything seen",
        }
    }
}

/// Reason given for a fall to near zero (outage, revoked key).
pub const DROP_REASON: &str = "drop to near zero";

/// Everything the detector says about one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// −log10 p after persistence (0 when nothing is unusual, before cold start and for skipped points).
    pub surprise: f64,
    /// The surprise beats every one of the previous 75 points (the dedup rule).
    pub new_max: bool,
    /// Direction of the winning component (true = above the baseline).
    pub upward: bool,
    pub component: Option<Component>,
    /// The alert, if this point raises one (or escalates one to a page).
    pub detection: Option<Detection>,
}

impl Score {
    fn quiet() -> Self {
        Score {
            surprise: 0.0,
            new_max: false,
            upward: true,
            component: None,
            detection: None,
        }
    }
}

/// What a caller reads of a point's score: [`Detector::push`] only the detection, so the work that only
/// explains quiet points can be skipped; [`Detector::push_scored`] everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scoring {
    DetectionsOnly,
    Full,
}

/// Calibrator slots.
const C_SPIKE: usize = 0;
const C_LEVEL: usize = 1;
const C_DAILY: usize = 2;
const C_WEEKLY: usize = 3;
const C_RARE: usize = 4;
const NCAL: usize = 5;

/// A point scored but not yet learned (learning lags one point, so the first point of a 2-point alert run is
/// not learned either).
#[derive(Debug, Clone)]
struct Pending {
    t: i64,
    y: f64,
    surprise: f64,
    stats: [Option<f64>; NCAL],
    resid_daily: Option<f64>,
    resid_weekly: Option<f64>,
}

#[derive(Debug, Clone)]
struct Episode {
    reported: Option<AlertLevel>,
    accepted: bool,
    /// Points of this episode whose statistics the calibrators have learned.
    stats_learned: usize,
}

/// How the winning component explains itself, in transformed units.
#[derive(Debug, Clone, Copy)]
struct Verdict {
    surprise: f64,
    component: Component,
    cal: Option<usize>,
    upward: bool,
    /// Baseline and σ per unit of statistic (y space); for the Poisson tail, `base` is λ in counts.
    base: f64,
    scale: f64,
    observed_y: f64,
    rare: bool,
}

/// Streaming spike detector for one series. Feed points in time order with [`Detector::push`].
#[derive(Debug, Clone)]
pub struct Detector {
    kind: SeriesKind,
    step_secs: u32,
    /// Points held until the kind is decided (Auto only).
    undecided: Vec<(usize, i64, f64)>,
    index: usize,
    learned: u64,
    /// Time of the first point scored.
    first_t: Option<i64>,
    window: RollingOrder,
    season: SeasonStore,
    resid_daily: RollingOrder,
    resid_weekly: RollingOrder,
    range: Range,
    recent: [f64; LEVEL_N],
    recent_len: usize,
    recent_pos: usize,
    cal: [Calibrator; NCAL],
    prev_surprise: f64,
    /// Monotonic deque of (index, surprise) for the max of the last `DEDUP` points.
    dedup: VecDeque<(usize, f64)>,
    pending: Option<Pending>,
    episode: Option<Episode>,
    quarantine: Vec<(i64, f64)>,
}

impl Detector {
    /// A detector for a series with `step_secs` between points that decides by itself whether it sees counts.
    pub fn new(step_secs: u32) -> Self {
        Self::with_kind(step_secs, SeriesKind::Auto)
    }

    pub fn with_kind(step_secs: u32, kind: SeriesKind) -> Self {
        let step_secs = if step_secs == 0 { 60 } else { step_secs };
        Self {
            kind,
            step_secs,
            undecided: Vec::new(),
            index: 0,
            learned: 0,
            first_t: None,
            window: RollingOrder::new(WINDOW),
            season: SeasonStore::new(step_secs),
            resid_daily: RollingOrder::new(WINDOW),
            resid_weekly: RollingOrder::new(WINDOW),
            range: Range::default(),
            recent: [0.0; LEVEL_N],
            recent_len: 0,
            recent_pos: 0,
            cal: Default::default(),
            prev_surprise: 0.0,
            dedup: VecDeque::with_capacity(DEDUP + 1),
            pending: None,
            episode: None,
            quarantine: Vec::new(),
        }
    }

    pub fn kind(&self) -> SeriesKind {
        self.kind
    }

    pub fn step_secs(&self) -> u32 {
        self.step_secs
    }

    /// Points pushed so far (the index the next point gets).
    pub fn len(&self) -> usize {
        self.index
    }

    pub fn is_empty(&self) -> bool {
        self.index == 0
    }

    /// Scores the point at unix time `t` and learns from it; returns an alert if it raises one.
    pub fn push(&mut self, t: i64, x: f64) -> Option<Detection> {
        self.push_with(t, x, Scoring::DetectionsOnly).detection
    }

    /// Like [`Detector::push`], with the full score (for evaluation and charts).
    pub fn push_scored(&mut self, t: i64, x: f64) -> Score {
        self.push_with(t, x, Scoring::Full)
    }

    fn push_with(&mut self, t: i64, x: f64, scoring: Scoring) -> Score {
        let index = self.index;
        self.index += 1;
        if !x.is_finite() {
            return Score::quiet(); // missing point: neither scored nor learned
        }
        if self.kind == SeriesKind::Auto {
            self.undecided.push((index, t, x));
            if self.undecided.len() < COLD_START as usize {
                return Score::quiet();
            }
            let counts = self
                .undecided
                .iter()
                .all(|&(_, _, v)| v >= 0.0 && v.fract() == 0.0 && v <= 9e15);
            self.kind = if counts {
                SeriesKind::Counts
            } else {
                SeriesKind::Continuous
            };
            let mut held = std::mem::take(&mut self.undecided);
            held.pop(); // the current point, processed below
            for (i, t, x) in held {
                self.process(i, t, x, scoring);
            }
        }
        self.process(index, t, x, scoring)
    }

    fn counts(&self) -> bool {
        self.kind == SeriesKind::Counts
    }

    fn transform(&self, x: f64) -> (f64, f64) {
        if self.counts() {
            let x = x.clamp(0.0, VALUE_LIMIT);
            (x, (x + 0.375).sqrt())
        } else {
            let x = x.clamp(-VALUE_LIMIT, VALUE_LIMIT);
            (x, x)
        }
    }

    fn untransform(&self, y: f64) -> f64 {
        let v = if self.counts() { (y * y - 0.375).max(0.0) } else { y };
        v.clamp(-VALUE_LIMIT, VALUE_LIMIT)
    }

    fn sigma_floor(&self, base: f64) -> f64 {
        if self.counts() {
            COUNTS_SIGMA_FLOOR
        } else {
            (base.abs() * 1e-9).max(1e-300)
        }
    }

    fn robust_sigma(&self, mad: f64, mean_ad: f64, base: f64) -> f64 {
        (MAD_K * mad).max(MEAN_AD_K * mean_ad).max(self.sigma_floor(base))
    }

    fn push_recent(&mut self, y: f64) {
        self.recent[self.recent_pos] = y;
        self.recent_pos = (self.recent_pos + 1) % LEVEL_N;
        self.recent_len = (self.recent_len + 1).min(LEVEL_N);
    }

    fn process(&mut self, index: usize, t: i64, x_raw: f64, scoring: Scoring) -> Score {
        let (x, y) = self.transform(x_raw);
        let first_t = *self.first_t.get_or_insert(t);
        let warm = self.learned >= COLD_START;
        let calibrated = warm && t.saturating_sub(first_t) >= CALIBRATION_SECS;
        // Before calibration only novelty can alert, and novelty has a fixed surprise: the calibrated
        // components' surprises (a logarithm each) would be thrown away unless someone reads the full score.
        let rank_components = calibrated || scoring == Scoring::Full;
        self.push_recent(y);
        let mut pending = Pending {
            t,
            y,
            surprise: 0.0,
            stats: [None; NCAL],
            resid_daily: None,
            resid_weekly: None,
        };
        let verdict = self.evaluate(t, x, y, &mut pending, rank_components);
        let (s, novel) = match &verdict {
            Some(v) if v.component == Component::Novelty && warm => (v.surprise, true),
            Some(v) if calibrated => (v.surprise, false),
            _ => (0.0, false),
        };
        // Persistence: a lone point must be 1.5 decades rarer than a 2-point run; novelty is exempt.
        let mut s_p = (s - PERSISTENCE).max(s.min(self.prev_surprise)).max(0.0);
        if novel {
            s_p = s_p.max(s);
        }
        self.prev_surprise = s;
        pending.surprise = s;
        // The range is what has been seen, alarmed or not: a burst seen an hour ago is no longer beyond it.
        self.range.add(t, y);

        // Dedup: the max of the previous DEDUP persisted surprises.
        while self.dedup.front().is_some_and(|&(i, _)| i + DEDUP < index) {
            self.dedup.pop_front();
        }
        let prev_max = self.dedup.front().map_or(0.0, |&(_, v)| v);
        let new_max = s_p > prev_max;
        while self.dedup.back().is_some_and(|&(_, v)| v <= s_p) {
            self.dedup.pop_back();
        }
        self.dedup.push_back((index, s_p));

        // Explain before anything is learned, so the band is the one the point was judged by.
        let candidate = if new_max && s_p >= WARN {
            verdict.as_ref().and_then(|v| self.describe(index, x, v, s_p))
        } else {
            None
        };

        // Episodes: points inside an alert are not learned, unless it lasts long enough to be the new normal.
        if self.episode.is_none() && s_p >= WARN {
            self.episode = Some(Episode {
                reported: None,
                accepted: false,
                stats_learned: 0,
            });
            if let Some(p) = self.pending.take_if(|p| p.surprise >= WARN) {
                learn_stats(&mut self.cal, &p);
                self.quarantine.push((p.t, p.y));
                if let Some(ep) = self.episode.as_mut() {
                    ep.stats_learned += 1;
                }
            }
        }
        if let Some(p) = self.pending.take() {
            self.learn(p);
        }
        let in_episode = match self.episode {
            Some(_) if s_p < CLEAR => {
                self.episode = None;
                self.quarantine.clear();
                false
            }
            Some(_) => true,
            None => false,
        };
        let mut detection = None;
        if in_episode
            && let Some(d) = candidate
            && let Some(ep) = self.episode.as_mut()
            && ep.reported.is_none_or(|r| d.level > r)
        {
            ep.reported = Some(d.level);
            detection = Some(d);
        }
        match self.episode.as_mut() {
            Some(ep) if in_episode && !ep.accepted => {
                if ep.stats_learned < EPISODE_STATS {
                    ep.stats_learned += 1;
                    learn_stats(&mut self.cal, &pending);
                }
                self.quarantine.push((t, y));
                if self.quarantine.len() >= ACCEPT_AFTER {
                    ep.accepted = true;
                    for (qt, qy) in std::mem::take(&mut self.quarantine) {
                        self.learn_baseline(qt, qy);
                    }
                }
            }
            _ => self.pending = Some(pending),
        }
        let (upward, component) = verdict.map_or((true, None), |v| (v.upward, Some(v.component)));
        Score {
            surprise: s_p,
            new_max,
            upward,
            component: warm.then_some(component).flatten(),
            detection,
        }
    }

    /// The alert payload for a firing point, or None when the product does not alert on it (a drop that is not
    /// a fall to near zero).
    fn describe(&self, index: usize, x: f64, v: &Verdict, surprise: f64) -> Option<Detection> {
        // The band edge must pass both tests the surprise is made of: the series' own history (calibrator) and
        // the noise model (normal tail of z, or the Poisson tail's own surprise).
        let model_min = if v.rare { WARN } else { FALLBACK_Z };
        let z_star = v
            .cal
            .and_then(|c| self.cal[c].threshold(10f64.powf(-WARN)))
            .map_or(model_min, |z| z.max(model_min));
        let (usual, band_high) = if v.rare {
            let lambda = v.base;
            (lambda, self.rare_band(lambda, x, z_star))
        } else if v.component == Component::Novelty {
            (self.untransform(v.base), self.untransform(v.base + v.scale))
        } else {
            (self.untransform(v.base), self.untransform(v.base + z_star * v.scale))
        };
        let observed = if v.component == Component::Level {
            self.untransform(v.observed_y)
        } else {
            x
        };
        let (level, reason) = if v.upward {
            let page = surprise >= PAGE || v.component == Component::Novelty;
            (
                if page { AlertLevel::Page } else { AlertLevel::Warn },
                v.component.reason(),
            )
        } else if observed <= DROP_SHARE * usual {
            (AlertLevel::Warn, DROP_REASON)
        } else {
            return None;
        };
        Some(Detection {
            index,
            observed,
            usual,
            band_high,
            surprise,
            level,
            reason,
        })
    }

    /// Largest count that is still normal for a low-rate series: one below the smallest count whose Poisson
    /// tail statistic reaches the calibrated threshold.
    fn rare_band(&self, lambda: f64, x: f64, z_star: f64) -> f64 {
        let (mut lo, mut hi) = (1.0f64, x.round().max(1.0));
        if upper_tail_surprise(hi, lambda) >= z_star {
            for _ in 0..400 {
                if lo >= hi {
                    break;
                }
                let mid = (lo + (hi - lo) / 2.0).floor();
                if upper_tail_surprise(mid, lambda) >= z_star {
                    hi = mid;
                } else {
                    lo = mid + 1.0;
                }
            }
        }
        (hi - 1.0).max(lambda)
    }

    /// Scores `y` against the learned state; fills the statistics to learn later into `p`. Without
    /// `rank_components` the calibrated components' surprises are left at zero (the statistics are still
    /// computed: the calibrators learn them).
    fn evaluate(&mut self, t: i64, x: f64, y: f64, p: &mut Pending, rank_components: bool) -> Option<Verdict> {
        let mut best: Option<Verdict> = None;
        let mut consider = |v: Verdict| {
            if best.is_none_or(|b| v.surprise > b.surprise) {
                best = Some(v);
            }
        };
        let n = self.window.len();
        let med = self.window.median()?;
        let (daily, weekly) = self.season.baselines(t);
        if n >= MIN_BASE {
            let sigma = self.robust_sigma(
                self.window.mad().unwrap_or(0.0),
                self.window.mean_abs_dev().unwrap_or(0.0),
                med,
            );
            let lambda = if self.counts() {
                let mean_x = (self.window.mean_sq().unwrap_or(0.0) - 0.375).max(0.0);
                (mean_x * n as f64 + 0.5) / (n as f64 + 1.0)
            } else {
                f64::INFINITY
            };
            if lambda < LOW_RATE {
                let stat = upper_tail_surprise(x, lambda);
                p.stats[C_RARE] = Some(stat);
                consider(Verdict {
                    surprise: if rank_components {
                        self.cal[C_RARE].surprise(stat).min(stat)
                    } else {
                        0.0
                    },
                    component: Component::Rolling,
                    cal: Some(C_RARE),
                    upward: true,
                    base: lambda,
                    scale: 0.0,
                    observed_y: y,
                    rare: true,
                });
            } else {
                let z = ((y - med) / sigma).clamp(-Z_LIMIT, Z_LIMIT);
                p.stats[C_SPIKE] = Some(z.abs());
                consider(self.verdict(C_SPIKE, Component::Rolling, z, med, sigma, y, rank_components));
            }
            if self.recent_len == LEVEL_N {
                let mean = self.recent.iter().sum::<f64>() / LEVEL_N as f64;
                let scale = 2.0 * sigma / (LEVEL_N as f64).sqrt();
                let z = ((mean - med) / scale).clamp(-Z_LIMIT, Z_LIMIT);
                p.stats[C_LEVEL] = Some(z.abs());
                consider(self.verdict(C_LEVEL, Component::Level, z, med, scale, mean, rank_components));
            }
        }
        for (base, resid, slot, cal, comp) in [
            (daily, &self.resid_daily, &mut p.resid_daily, C_DAILY, Component::Daily),
            (
                weekly,
                &self.resid_weekly,
                &mut p.resid_weekly,
                C_WEEKLY,
                Component::Weekly,
            ),
        ] {
            let Some((b, _)) = base.filter(|&(_, k)| k >= SEASON_MIN) else {
                continue;
            };
            let r = y - b;
            *slot = Some(r);
            if resid.len() >= MIN_BASE {
                let sigma = self.robust_sigma(resid.median().unwrap_or(0.0), resid.mean().unwrap_or(0.0), b);
                let z = (r / sigma).clamp(-Z_LIMIT, Z_LIMIT);
                p.stats[cal] = Some(z.abs());
                consider(self.verdict(cal, comp, z, b, sigma, y, rank_components));
            }
        }
        if self.learned >= COLD_START
            && let Some((hi, lo)) = self.range.bounds(t)
        {
            let floor = if self.counts() { NOVELTY_FLOOR_COUNTS } else { 0.0 };
            let tol = (NOVELTY_TOL * (hi - lo)).max(floor);
            let up = y > hi + tol;
            if up || y < lo - tol {
                let edge = if up { hi } else { lo };
                best = Some(Verdict {
                    surprise: NOVELTY_SURPRISE,
                    component: Component::Novelty,
                    cal: None,
                    upward: up,
                    base: med,
                    scale: if up { edge + tol - med } else { edge - tol - med },
                    observed_y: y,
                    rare: false,
                });
            }
        }
        best
    }

    #[allow(clippy::too_many_arguments)]
    fn verdict(
        &self,
        cal: usize,
        component: Component,
        z: f64,
        base: f64,
        scale: f64,
        observed_y: f64,
        rank_components: bool,
    ) -> Verdict {
        Verdict {
            surprise: if rank_components {
                self.cal[cal].surprise(z.abs()).min(normal_two_sided_surprise(z))
            } else {
                0.0
            },
            component,
            cal: Some(cal),
            upward: z >= 0.0,
            base,
            scale,
            observed_y,
            rare: false,
        }
    }

    /// Learns a scored point: baselines and calibrators.
    fn learn(&mut self, p: Pending) {
        learn_stats(&mut self.cal, &p);
        if let Some(r) = p.resid_daily {
            self.resid_daily.push(r.abs());
        }
        if let Some(r) = p.resid_weekly {
            self.resid_weekly.push(r.abs());
        }
        self.learn_baseline(p.t, p.y);
    }

    /// Learns a value into the baselines only (used for quarantined points once their level is accepted).
    fn learn_baseline(&mut self, t: i64, y: f64) {
        self.window.push(y);
        self.season.add(t, y);
        self.learned += 1;
    }
}

/// Teaches each calibrator the statistic its component computed for a point.
fn learn_stats(cal: &mut [Calibrator; NCAL], p: &Pending) {
    for (c, stat) in cal.iter_mut().zip(p.stats) {
        if let Some(z) = stat {
            c.add(z);
        }
    }
}

/// Runs a fresh [`Detector`] over a whole series (see [`super::detect_spikes`]).
pub(crate) fn run(values: &[f64], start: i64, step_secs: u32, kind: SeriesKind) -> Vec<Detection> {
    let mut d = Detector::with_kind(step_secs, kind);
    let step = i64::from(d.step_secs());
    values
        .iter()
        .enumerate()
        .filter_map(|(i, &x)| d.push(start.saturating_add(step.saturating_mul(i as i64)), x))
        .collect()
}
