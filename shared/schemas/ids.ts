import { z } from 'zod';

/** Row ids are SQLite integer keys; they cross process boundaries as positive integers. */
export const Id = z.number().int().positive();
export type Id = z.infer<typeof Id>;

/** Timestamps travel as epoch milliseconds so that both transports carry plain JSON. */
export const Timestamp = z.number().int().nonnegative();
