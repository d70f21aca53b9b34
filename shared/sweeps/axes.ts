import type { AxisValue, SweepAxis } from './schema';

/** Twelve significant digits: 1e-4·100^(1/2) is 0.001, not 0.0010000000000000002, in specs and in run labels. */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

function finish(value: number, integer: boolean): number {
  return integer ? Math.round(value) : tidy(value);
}

/** The values a grid takes along the axis, in order. */
export function gridValues(axis: SweepAxis): AxisValue[] {
  if ('values' in axis) return axis.values;
  const range = 'linear' in axis ? axis.linear : axis.log;
  const { from, to, count, integer } = range;
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = count === 1 ? 0 : i / (count - 1);
    const value = 'linear' in axis ? from + (to - from) * t : from * Math.pow(to / from, t);
    values.push(finish(value, integer));
  }
  // Rounding to whole numbers can merge neighbours (a range of 10 values over 1..4): keep each value once.
  return [...new Set(values)];
}

/** One value drawn for the axis from a uniform number u in [0, 1). */
export function drawValue(axis: SweepAxis, u: number): AxisValue {
  if ('values' in axis) return axis.values[Math.min(axis.values.length - 1, Math.floor(u * axis.values.length))]!;
  if ('linear' in axis) {
    const { from, to, integer } = axis.linear;
    return finish(from + (to - from) * u, integer);
  }
  const { from, to, integer } = axis.log;
  return finish(from * Math.pow(to / from, u), integer);
}
