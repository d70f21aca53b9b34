/** What the latency probe waits for: an element appearing, or its attribute or text changing. */
export interface ProbeCondition {
  selector: string;
  attribute?: string;
  text?: boolean;
}

/** performance.now() times in the page, in ms: see latency-probe.ts. */
export interface ProbeTiming {
  input: number;
  dom: number;
  frame: number;
  painted: number;
}
