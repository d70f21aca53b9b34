/** One colour per rule arm, readable on both themes (mid-tone, from the Tableau 10 palette). */
const PALETTE = ['#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f'];

export function armColor(arm: number): string {
  return PALETTE[((arm % PALETTE.length) + PALETTE.length) % PALETTE.length] ?? '#4e79a7';
}

/** The colour with an alpha, for seeds after the first. */
export function faint(hex: string, alpha = 0.45): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
