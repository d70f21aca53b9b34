/**
 * Dense linear algebra on small matrices in plain JS (float64): TF.js has no matrix inverse, and the entropy
 * regulariser needs one of a (2B × 2B) matrix per step. Row-major arrays.
 */

/**
 * Inverse of a symmetric positive-definite n×n matrix by Cholesky factorisation; throws if it is not SPD.
 * Every inner loop runs along rows: L⁻¹ is kept transposed (U = L⁻ᵀ, upper triangular), so that both its
 * substitution and A⁻¹ = U·Uᵀ read contiguous memory. Walking columns instead made the 256 × 256 inverse of a
 * batch-128 entropy step about 4× slower.
 */
export function invertSpd(a: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j]!;
      for (let k = 0; k < j; k++) sum -= l[rowI + k]! * l[rowJ + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error(`matrix is not positive definite (pivot ${i} is ${sum})`);
        l[rowI + i] = Math.sqrt(sum);
      } else {
        l[rowI + j] = sum / l[rowJ + j]!;
      }
    }
  }
  // U = L⁻ᵀ: row j of U is column j of L⁻¹, U[j][i] = −(Σ_{k=j}^{i−1} L[i][k]·U[j][k]) / L[i][i] for i > j.
  const u = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    u[rowJ + j] = 1 / l[rowJ + j]!;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = 0;
      for (let k = j; k < i; k++) sum += l[rowI + k]! * u[rowJ + k]!;
      u[rowJ + i] = -sum / l[rowI + i]!;
    }
  }
  // A⁻¹ = L⁻ᵀL⁻¹ = U·Uᵀ: entry (i, j) is the dot product of rows i and j of U, which start at column max(i, j).
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = i; j < n; j++) {
      const rowJ = j * n;
      let sum = 0;
      for (let k = j; k < n; k++) sum += u[rowI + k]! * u[rowJ + k]!;
      inv[rowI + j] = sum;
      inv[rowJ + i] = sum;
    }
  }
  return inv;
}

/** log det of a symmetric positive-definite matrix (for tests and diagnostics). */
export function logDetSpd(a: ArrayLike<number>, n: number): number {
  const l = new Float64Array(n * n);
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error(`matrix is not positive definite (pivot ${i} is ${sum})`);
        l[i * n + i] = Math.sqrt(sum);
        logDet += 2 * Math.log(l[i * n + i]!);
      } else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  return logDet;
}
