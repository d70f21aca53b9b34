import { z } from 'zod';
import { Timestamp } from '../schemas/ids';
import { RuleName } from '../schemas/experiment';
import { RunStatus } from '../schemas/records';

/**
 * What `sessions.list` may narrow the list to. Every field is optional and `{}` lists every session. The store
 * applies the filter in SQL, so the renderer never loads sessions only to hide them.
 *
 * - `query`: a case-insensitive substring of the session's name or notes; `%` and `_` are matched literally.
 * - `rule`, `dataset`, `status`: the session has ONE experiment (or, when `status` is given, one run) that matches
 *   every one of them — "a failed EBD run on spirals", not "some EBD, some spirals, something failed".
 *   `dataset` is the experiment spec's `dataset.name`; `rule` one of the spec's rules (with `status`, the run's rule).
 * - `from`, `to`: inclusive bounds, epoch milliseconds, on the session's `updatedAt` — the date the list shows
 *   and sorts by (it moves when the session is renamed, its notes change or an experiment is added or deleted).
 */
export const SessionFilter = z
  .strictObject({
    query: z.string().max(200, 'a search has at most 200 characters').optional(),
    rule: RuleName.optional(),
    dataset: z.string().trim().min(1, 'a dataset filter needs a dataset name').max(200).optional(),
    status: RunStatus.optional(),
    from: Timestamp.optional(),
    to: Timestamp.optional(),
  })
  .refine((f) => f.from === undefined || f.to === undefined || f.from <= f.to, {
    message: 'the date range ends before it starts: "from" must not be after "to"',
    path: ['from'],
  });
export type SessionFilter = z.infer<typeof SessionFilter>;
