export { SweepSpec, SweepAxis, SweepSampling, SweepValues, SWEEP_SCHEMA_VERSION } from './schema';
export type { AxisValue, SweepSpecInput } from './schema';
export { expandSweep, describeValues, MAX_SWEEP_POINTS } from './expand';
export type { ExpandedSweep, SweepExpansion, SweepPoint } from './expand';
export { gridValues } from './axes';
