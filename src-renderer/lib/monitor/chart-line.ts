import type { XY } from './series';

/** One line of a MetricChart: a run's curve, a group's mean, or one edge of a band. */
export interface ChartLine {
  label: string;
  color: string;
  /** Drawn thinner, for seeds after the first of an arm. */
  faint: boolean;
  points: XY[];
  /** Line width in pixels, overriding the faint/normal default (0 for a band's edges, 3 for a group mean). */
  width?: number;
  /** Dash pattern in line widths (the rule's, shared/rule-style.ts); absent or empty = solid. */
  dash?: readonly number[];
  /** Fills the area between this line and the one before it with this colour: a band's upper edge. */
  fill?: string;
  /** False leaves the line out of the legend (seeds and band edges next to their mean). */
  legend?: boolean;
}
