import { describe, expect, it } from 'vitest';
import { SessionFilter } from '../../shared/api/session-filter';
import {
  EMPTY_FILTER_FORM,
  endOfDay,
  isFiltering,
  startOfDay,
  toSessionFilter,
} from '../../src-renderer/lib/sessions/filter-form';

describe('the Sessions filter form', () => {
  it('reads date inputs as whole days in local time', () => {
    expect(startOfDay('2026-03-05')).toBe(new Date(2026, 2, 5).getTime());
    expect(endOfDay('2026-03-05')).toBe(new Date(2026, 2, 6).getTime() - 1);
    // Across the end of a month and a leap day.
    expect(endOfDay('2024-02-29')).toBe(new Date(2024, 2, 1).getTime() - 1);
  });

  it('ignores what a date input cannot hold', () => {
    for (const value of ['', '2026-02-30', '2026-13-01', '05/03/2026', '2026-3-5']) {
      expect(startOfDay(value)).toBeNull();
      expect(endOfDay(value)).toBeNull();
    }
  });

  it('turns the form into the request, leaving "any" fields out', () => {
    expect(toSessionFilter({ ...EMPTY_FILTER_FORM })).toEqual({});
    const filter = toSessionFilter({
      query: '  decorrelation ',
      rule: 'ebd',
      dataset: 'spirals',
      status: 'interrupted',
      from: '2026-03-05',
      to: '2026-03-05',
    });
    expect(filter).toEqual({
      query: 'decorrelation',
      rule: 'ebd',
      dataset: 'spirals',
      status: 'interrupted',
      from: new Date(2026, 2, 5).getTime(),
      to: new Date(2026, 2, 6).getTime() - 1,
    });
    expect(SessionFilter.safeParse(filter).success).toBe(true);
    // Values no control offers are dropped rather than sent.
    expect(toSessionFilter({ ...EMPTY_FILTER_FORM, rule: 'hebb', status: 'lost', query: '   ' })).toEqual({});
  });

  it('a reversed range reaches the schema, which names it', () => {
    const filter = toSessionFilter({ ...EMPTY_FILTER_FORM, from: '2026-03-06', to: '2026-03-05' });
    const parsed = SessionFilter.safeParse(filter);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/ends before it starts/);
  });

  it('knows when anything is filtered', () => {
    expect(isFiltering({ ...EMPTY_FILTER_FORM })).toBe(false);
    expect(isFiltering({ ...EMPTY_FILTER_FORM, query: '  ' })).toBe(false);
    expect(isFiltering({ ...EMPTY_FILTER_FORM, to: '2026-03-05' })).toBe(true);
  });
});
