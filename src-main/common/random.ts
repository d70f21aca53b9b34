/**
 * Seeded randomness for the engine. One master seed per run; named sub-streams ("init", "data-order",
 * "feedback", "noise") are derived from it by hashing the name, so adding a new consumer of randomness
 * never shifts the numbers another consumer sees. Values are generated in JS, not by the tensor backend,
 * so the same seed gives the same initial weights and data order on every backend.
 */
export class Rng {
  private state: number;
  private readonly origin: number;

  constructor(seed: number) {
    this.origin = seed >>> 0;
    this.state = this.origin;
  }

  /** A generator for a named purpose, independent of how much this one has been used. */
  fork(name: string): Rng {
    return new Rng(mix32(this.origin ^ hashString(name)));
  }

  /** Uniform in [0, 1) with 32 bits of resolution (splitmix32). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return mix32(this.state) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; the second value is discarded to keep the stream position simple). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  fillUniform(out: Float32Array, low: number, high: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.next();
    return out;
  }

  fillNormal(out: Float32Array, std: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units: stable across platforms and runtimes. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
