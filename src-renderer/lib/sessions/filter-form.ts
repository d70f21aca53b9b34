import type { SessionFilter } from '../../../shared/api/session-filter';
import { RuleName } from '../../../shared/schemas/experiment';
import { RunStatus } from '../../../shared/schemas/records';

/** The filter controls' values as the form holds them: strings, '' meaning "any". */
export interface FilterForm {
  query: string;
  rule: string;
  dataset: string;
  status: string;
  /** <input type="date"> values, YYYY-MM-DD in the user's time zone. */
  from: string;
  to: string;
}

export const EMPTY_FILTER_FORM: Readonly<FilterForm> = Object.freeze({
  query: '',
  rule: '',
  dataset: '',
  status: '',
  from: '',
  to: '',
});

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Local midnight starting the day, or null for anything that is not a real YYYY-MM-DD date. */
export function startOfDay(value: string): number | null {
  const match = DAY.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
  const date = new Date(year, month, day);
  if (date.getFullYear() !== year || date.getMonth() !== month || date.getDate() !== day) return null;
  return date.getTime();
}

/** The last millisecond of the day, so that "to" includes the whole day it names. */
export function endOfDay(value: string): number | null {
  const start = startOfDay(value);
  if (start === null) return null;
  const next = new Date(start);
  next.setDate(next.getDate() + 1);
  return next.getTime() - 1;
}

export function isFiltering(form: FilterForm): boolean {
  return (Object.keys(EMPTY_FILTER_FORM) as (keyof FilterForm)[]).some((key) => form[key].trim() !== '');
}

/**
 * The API request for the form; fields left at "any" (or holding what the controls cannot have produced) are
 * left out, so the server only ever sees a filter its schema accepts — except a reversed date range, which the
 * server refuses and the form shows.
 */
export function toSessionFilter(form: FilterForm): SessionFilter {
  const filter: SessionFilter = {};
  const query = form.query.trim();
  if (query) filter.query = query.slice(0, 200);
  const rule = RuleName.safeParse(form.rule);
  if (rule.success) filter.rule = rule.data;
  const dataset = form.dataset.trim();
  if (dataset) filter.dataset = dataset;
  const status = RunStatus.safeParse(form.status);
  if (status.success) filter.status = status.data;
  const from = startOfDay(form.from);
  if (from !== null) filter.from = from;
  const to = endOfDay(form.to);
  if (to !== null) filter.to = to;
  return filter;
}
