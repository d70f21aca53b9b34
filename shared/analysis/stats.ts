/**
 * Summary statistics over seeds: mean, sample standard deviation and the half-width of a 95% confidence
 * interval from Student's t. Pure functions, shared by the Compare view and exports so that a table on
 * screen and a table in a paper agree to the last digit.
 */

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator); 0 for a single value. */
  std: number;
  /** Half-width t(0.975, n − 1)·std/√n of the 95% confidence interval of the mean; NaN when n < 2. */
  ci95: number;
  min: number;
  max: number;
}

/** The middle value, or the mean of the two middle values for an even count; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) throw new Error('summarize() needs at least one value, got an empty list');
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let sawNaN = false;
  for (const v of values) {
    sum += v;
    if (Number.isNaN(v)) sawNaN = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Comparisons with NaN are false, so min/max alone would skip it; a NaN seed must show, not vanish.
  if (sawNaN) return { n, mean: NaN, std: NaN, ci95: NaN, min: NaN, max: NaN };
  const mean = sum / n;
  if (n === 1) return { n, mean, std: Number.isFinite(mean) ? 0 : NaN, ci95: NaN, min, max };
  // Two passes: subtracting the mean first keeps precision when values are large and close together.
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  const std = Math.sqrt(squares / (n - 1));
  return { n, mean, std, ci95: (studentTQuantile(0.975, n - 1) * std) / Math.sqrt(n), min, max };
}

const quantileCache = new Map<string, number>();

/**
 * The p-quantile of Student's t distribution with df degrees of freedom (df may be Infinity: the normal).
 * Found by bisection on the exact CDF (regularised incomplete beta), so it is accurate to ~1e-12 for any df,
 * not only tabulated ones; results are cached because bands ask for the same df at every step.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`a quantile needs 0 < p < 1, got ${p}`);
  if (!(df > 0)) throw new Error(`Student's t needs df > 0, got ${df}`);
  const key = `${p}|${df}`;
  const cached = quantileCache.get(key);
  if (cached !== undefined) return cached;
  const value = computeQuantile(p, df);
  quantileCache.set(key, value);
  return value;
}

function computeQuantile(p: number, df: number): number {
  if (p === 0.5) return 0;
  if (p < 0.5) return -computeQuantile(1 - p, df);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (!Number.isFinite(df) || df > 1e7) return normalQuantile(p);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(T ≤ t) for Student's t with df degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** I_x(a, b) by its continued fraction (Numerical Recipes §6.4), using the symmetry for fast convergence. */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905,
  -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7: ~15 significant digits). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = 0.9999999999998099;
  LANCZOS.forEach((c, i) => (sum += c / (z + i + 1)));
  const t = z + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const ACKLAM_A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const ACKLAM_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572, 1];
const ACKLAM_C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const ACKLAM_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416, 1];
const ACKLAM_LOW = 0.02425;

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`a quantile needs 0 < p < 1, got ${p}`);
  if (p < ACKLAM_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return horner(ACKLAM_C, q) / horner(ACKLAM_D, q);
  }
  if (p > 1 - ACKLAM_LOW) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (horner(ACKLAM_A, r) * q) / horner(ACKLAM_B, r);
}

/** A polynomial with its highest-degree coefficient first. */
function horner(coefficients: readonly number[], x: number): number {
  let result = 0;
  for (const c of coefficients) result = result * x + c;
  return result;
}
